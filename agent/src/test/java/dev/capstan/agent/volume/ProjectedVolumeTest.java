package dev.capstan.agent.volume;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.agent.testing.MutableClock;
import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.core.v1.ConfigMapProjection;
import dev.capstan.api.core.v1.DownwardAPIProjection;
import dev.capstan.api.core.v1.DownwardAPIVolumeFile;
import dev.capstan.api.core.v1.DownwardAPIVolumeSource;
import dev.capstan.api.core.v1.KeyToPath;
import dev.capstan.api.core.v1.ObjectFieldSelector;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.ProjectedVolumeSource;
import dev.capstan.api.core.v1.ServiceAccountTokenProjection;
import dev.capstan.api.core.v1.Volume;
import dev.capstan.api.core.v1.VolumeProjection;
import dev.capstan.api.meta.v1.ObjectMeta;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Projected and downwardAPI volumes on the agent: the kube-api-access layout (token, ca.crt,
 * namespace), a token kept until 80% of its lifetime and then replaced in the same files, and
 * errors that name the source.
 */
class ProjectedVolumeTest {
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
  @TempDir
  Path root;

  private final MutableClock clock = new MutableClock(START);
  private final Map<String, ConfigMap> configMaps = new HashMap<>();
  /** What the fake API was asked: audience and lifetime of each token request. */
  private final List<String> requests = new ArrayList<>();
  private boolean apiDown;

  private final ServiceAccountTokenManager tokens = new ServiceAccountTokenManager((pod, audience, seconds) -> {
    if (apiDown) {
      throw Status.UNAVAILABLE.withDescription("no leader").asRuntimeException();
    }
    requests.add(audience + "/" + seconds);
    return new ServiceAccountTokenManager.Token("token-" + requests.size() + "-for-" + pod.getMetadata().getName()
        + "-" + pod.getSpec().getServiceAccountName(), clock.instant().plusSeconds(seconds));
  }, clock);

  private PodVolumes volumes() {
    return new PodVolumes(root, (ns, n) -> Optional.ofNullable(configMaps.get(ns + "/" + n)),
        (ns, n) -> Optional.empty(), tokens, false);
  }

  private static Pod pod(Volume volume) {
    return Pod.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("web").setNamespace("prod").setUid("u1")
            .putLabels("app", "web").putLabels("tier", "front \"end\""))
        .setSpec(PodSpec.newBuilder().setServiceAccountName("robot").addVolumes(volume)).build();
  }

  private static Volume kubeApiAccess() {
    return Volume.newBuilder().setName("kube-api-access-x").setProjected(ProjectedVolumeSource.newBuilder()
        .setDefaultMode(0644)
        .addSources(VolumeProjection.newBuilder().setServiceAccountToken(ServiceAccountTokenProjection.newBuilder()
            .setExpirationSeconds(3600).setPath("token")))
        .addSources(VolumeProjection.newBuilder().setConfigMap(ConfigMapProjection.newBuilder()
            .setName("kube-root-ca.crt").addItems(KeyToPath.newBuilder().setKey("ca.crt").setPath("ca.crt"))))
        .addSources(VolumeProjection.newBuilder().setDownwardApi(DownwardAPIProjection.newBuilder()
            .addItems(DownwardAPIVolumeFile.newBuilder().setPath("namespace")
                .setFieldRef(ObjectFieldSelector.newBuilder().setFieldPath("metadata.namespace"))))))
        .build();
  }

  private void publishCa() {
    configMaps.put("prod/kube-root-ca.crt", ConfigMap.newBuilder().putData("ca.crt", "-----BEGIN CERTIFICATE-----")
        .build());
  }

  @Test
  void theKubeApiAccessVolumeHoldsTheTokenTheCaAndTheNamespace() throws Exception {
    publishCa();
    PodVolumes.Prepared prepared = volumes().setUp(pod(kubeApiAccess()));

    assertThat(prepared.errors()).isEmpty();
    Path dir = root.resolve("u1/kube-api-access-x");
    assertThat(Files.readString(dir.resolve("token"))).isEqualTo("token-1-for-web-robot");
    assertThat(Files.readString(dir.resolve("ca.crt"))).isEqualTo("-----BEGIN CERTIFICATE-----");
    assertThat(Files.readString(dir.resolve("namespace"))).isEqualTo("prod");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("token"))))
        .isEqualTo("rw-r--r--");
    assertThat(Files.isSymbolicLink(dir.resolve("token"))).isTrue();  // ..data/token: swapped atomically
    assertThat(requests).containsExactly("/3600");
  }

  @Test
  void theTokenIsKeptUntil80PercentOfItsLifetimeThenReplaced() throws Exception {
    publishCa();
    PodVolumes volumes = volumes();
    Pod pod = pod(kubeApiAccess());
    Path token = root.resolve("u1/kube-api-access-x/token");
    volumes.setUp(pod);

    clock.advance(Duration.ofSeconds(2879));  // 80% of 3600 s is 2880 s
    volumes.setUp(pod);
    assertThat(Files.readString(token)).isEqualTo("token-1-for-web-robot");
    assertThat(requests).hasSize(1);

    clock.advance(Duration.ofSeconds(1));
    volumes.setUp(pod);
    assertThat(Files.readString(token)).isEqualTo("token-2-for-web-robot");
    assertThat(requests).hasSize(2);

    // The API is down at the next refresh: the kept token, still valid, stays in place.
    clock.advance(Duration.ofSeconds(2880));
    apiDown = true;
    assertThat(volumes.setUp(pod).errors()).isEmpty();
    assertThat(Files.readString(token)).isEqualTo("token-2-for-web-robot");
    // Once it has expired there is nothing to serve: the volume reports the API's refusal.
    clock.advance(Duration.ofSeconds(720));
    assertThat(volumes.setUp(pod).firstError()).hasValueSatisfying(e -> assertThat(e)
        .startsWith("spec.volumes[0].projected.sources[0].serviceAccountToken: cannot get a token for"
            + " serviceaccount \"robot\": UNAVAILABLE"));
  }

  @Test
  void aLongLivedTokenIsReplacedAfter24Hours() {
    ServiceAccountTokenManager.Token first = tokens.token(pod(kubeApiAccess()), "", 7 * 24 * 3600);
    clock.advance(Duration.ofHours(24).minusSeconds(1));
    assertThat(tokens.token(pod(kubeApiAccess()), "", 7 * 24 * 3600)).isEqualTo(first);
    clock.advance(Duration.ofSeconds(1));
    assertThat(tokens.token(pod(kubeApiAccess()), "", 7 * 24 * 3600)).isNotEqualTo(first);
    assertThat(requests).hasSize(2);
  }

  @Test
  void aMissingCaConfigMapIsAnErrorNamingTheSource() {
    assertThat(volumes().setUp(pod(kubeApiAccess())).firstError()).hasValue(
        "spec.volumes[0].projected.sources[1].configMap: configmap \"kube-root-ca.crt\" not found");
  }

  @Test
  void aDownwardApiVolumeWritesLabelsAsQuotedLines() throws Exception {
    Volume info = Volume.newBuilder().setName("info").setDownwardApi(DownwardAPIVolumeSource.newBuilder()
        .addItems(DownwardAPIVolumeFile.newBuilder().setPath("labels")
            .setFieldRef(ObjectFieldSelector.newBuilder().setFieldPath("metadata.labels")))
        .addItems(DownwardAPIVolumeFile.newBuilder().setPath("app").setMode(0400)
            .setFieldRef(ObjectFieldSelector.newBuilder().setFieldPath("metadata.labels['app']")))).build();

    assertThat(volumes().setUp(pod(info)).errors()).isEmpty();
    Path dir = root.resolve("u1/info");
    assertThat(Files.readString(dir.resolve("labels"))).isEqualTo("app=\"web\"\ntier=\"front \\\"end\\\"\"");
    assertThat(Files.readString(dir.resolve("app"))).isEqualTo("web");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("app"))))
        .isEqualTo("r--------");
  }

  @Test
  void aGonePodsTokensAreForgotten() {
    Pod pod = pod(kubeApiAccess());
    tokens.token(pod, "", 3600);
    volumes().tearDown("u1");
    tokens.token(pod, "", 3600);
    assertThat(requests).hasSize(2);
  }
}
