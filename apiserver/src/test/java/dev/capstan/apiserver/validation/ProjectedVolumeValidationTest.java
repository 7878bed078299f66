package dev.capstan.apiserver.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.core.v1.ConfigMapProjection;
import dev.capstan.api.core.v1.DownwardAPIProjection;
import dev.capstan.api.core.v1.DownwardAPIVolumeFile;
import dev.capstan.api.core.v1.DownwardAPIVolumeSource;
import dev.capstan.api.core.v1.KeyToPath;
import dev.capstan.api.core.v1.ObjectFieldSelector;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.ProjectedVolumeSource;
import dev.capstan.api.core.v1.SecretProjection;
import dev.capstan.api.core.v1.ServiceAccountTokenProjection;
import dev.capstan.api.core.v1.Volume;
import dev.capstan.api.core.v1.VolumeProjection;
import dev.capstan.client.Kinds;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Validation of projected and downwardAPI volumes: each error names its field. */
class ProjectedVolumeValidationTest {
  private final Validator<Pod> validator = Validators.forKind(Kinds.POD);

  /** The fixture pod with {@code volume} as its first volume (the fixture's "cache" second). */
  private List<String> errors(Volume volume) {
    Pod pod = Fixtures.pod();
    Pod withVolume = pod.toBuilder().setSpec(pod.getSpec().toBuilder().addVolumes(0, volume)).build();
    return validator.validate(withVolume, null).stream().map(FieldError::toString).toList();
  }

  private static Volume projected(VolumeProjection.Builder... sources) {
    ProjectedVolumeSource.Builder projected = ProjectedVolumeSource.newBuilder();
    for (VolumeProjection.Builder s : sources) {
      projected.addSources(s);
    }
    return Volume.newBuilder().setName("api").setProjected(projected).build();
  }

  private static VolumeProjection.Builder token(String path, Long seconds) {
    ServiceAccountTokenProjection.Builder t = ServiceAccountTokenProjection.newBuilder().setPath(path);
    if (seconds != null) {
      t.setExpirationSeconds(seconds);
    }
    return VolumeProjection.newBuilder().setServiceAccountToken(t);
  }

  private static VolumeProjection.Builder caBundle() {
    return VolumeProjection.newBuilder().setConfigMap(ConfigMapProjection.newBuilder().setName("kube-root-ca.crt")
        .addItems(KeyToPath.newBuilder().setKey("ca.crt").setPath("ca.crt")));
  }

  private static DownwardAPIVolumeFile.Builder field(String path, String fieldPath) {
    return DownwardAPIVolumeFile.newBuilder().setPath(path)
        .setFieldRef(ObjectFieldSelector.newBuilder().setFieldPath(fieldPath));
  }

  private static VolumeProjection.Builder namespaceFile() {
    return VolumeProjection.newBuilder().setDownwardApi(DownwardAPIProjection.newBuilder()
        .addItems(field("namespace", "metadata.namespace")));
  }

  @Test
  void theKubeApiAccessVolumeIsValid() {
    assertThat(errors(projected(token("token", 3607L), caBundle(), namespaceFile()))).isEmpty();
    assertThat(errors(projected(token("token", null)))).isEmpty();
  }

  @Test
  void aTokenLivesAtLeastTenMinutes() {
    assertThat(errors(projected(caBundle(), token("token", 599L)))).containsExactly(
        "spec.volumes[0].projected.sources[1].serviceAccountToken.expirationSeconds: must be at least 600");
    assertThat(errors(projected(token("token", 600L)))).isEmpty();
    assertThat(errors(projected(token("token", (1L << 32) + 1)))).singleElement().asString()
        .startsWith("spec.volumes[0].projected.sources[0].serviceAccountToken.expirationSeconds: must not be more");
  }

  @Test
  void filePathsAreRelativeWithoutBackstepsAndUnique() {
    assertThat(errors(projected(token("", null)))).containsExactly(
        "spec.volumes[0].projected.sources[0].serviceAccountToken.path: required");
    assertThat(errors(projected(token("/etc/token", null)))).singleElement().asString()
        .startsWith("spec.volumes[0].projected.sources[0].serviceAccountToken.path: invalid value \"/etc/token\"");
    assertThat(errors(projected(token("a/../../token", null)))).singleElement().asString()
        .startsWith("spec.volumes[0].projected.sources[0].serviceAccountToken.path: invalid value");
    assertThat(errors(projected(caBundle(), token("ca.crt", null)))).containsExactly(
        "spec.volumes[0].projected.sources[1].serviceAccountToken.path: conflicting duplicate paths: ca.crt");
  }

  @Test
  void eachProjectionHasExactlyOneSource() {
    assertThat(errors(projected(VolumeProjection.newBuilder()))).singleElement().asString()
        .startsWith("spec.volumes[0].projected.sources[0]: must specify exactly 1 of");
    assertThat(errors(projected(token("token", null).setSecret(SecretProjection.newBuilder().setName("s")))))
        .contains("spec.volumes[0].projected.sources[0]: may not specify more than 1 source per projection");
    assertThat(errors(projected(VolumeProjection.newBuilder().setSecret(SecretProjection.newBuilder()))))
        .containsExactly("spec.volumes[0].projected.sources[0].secret.name: required");
  }

  @Test
  void downwardApiFilesNameAPodField() {
    assertThat(errors(projected(VolumeProjection.newBuilder().setDownwardApi(DownwardAPIProjection.newBuilder()
        .addItems(field("labels", "metadata.labels")).addItems(field("app", "metadata.labels['app']"))
        .addItems(field("host", "spec.nodeName")))))).singleElement().asString()
        .startsWith("spec.volumes[0].projected.sources[0].downwardAPI.items[2].fieldRef.fieldPath: unsupported"
            + " value \"spec.nodeName\"");
    Volume downward = Volume.newBuilder().setName("info").setDownwardApi(DownwardAPIVolumeSource.newBuilder()
        .addItems(DownwardAPIVolumeFile.newBuilder().setPath("name")).setDefaultMode(01000)).build();
    assertThat(errors(downward)).containsExactly("spec.volumes[0].downwardAPI.items[0].fieldRef: required",
        "spec.volumes[0].downwardAPI.defaultMode: must be a number between 0 and 0777 (octal), both inclusive");
  }

  @Test
  void aVolumeHasOneType() {
    Volume both = projected(token("token", null)).toBuilder()
        .setDownwardApi(DownwardAPIVolumeSource.getDefaultInstance()).build();
    assertThat(errors(both)).containsExactly("spec.volumes[0]: may not specify more than 1 volume type");
  }
}
