package dev.capstan.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.ServiceAccount;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.client.CapstanClient;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Re-applying a Pod manifest after the cluster filled in its spec (the scheduler's nodeName,
 * admission's ServiceAccount and token volume) changes nothing, and a change the manifest makes to
 * what may change reaches the pod while the cluster's fields stay.
 */
class PodApplyTest {
  private static final String MANIFEST = """
      apiVersion: v1
      kind: Pod
      metadata:
        name: web
        labels:
          app: web
      spec:
        containers:
        - name: web
          image: registry.example.com/web:1
          volumeMounts:
          - name: scratch
            mountPath: /scratch
        volumes:
        - name: scratch
          emptyDir: {}
      """;

  @TempDir
  Path dir;

  private InProcessApiServer cluster;
  private CapstanClient client;

  @BeforeEach
  void start() {
    cluster = new InProcessApiServer();
    client = cluster.client();
    client.serviceAccounts().create(ServiceAccount.newBuilder().setMetadata(ObjectMeta.newBuilder()
        .setNamespace("default").setName("default")).build());
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  @Test
  void reApplyingAPodTheClusterFilledInChangesNothingAndAnImageChangeKeepsTheClusterFields() throws Exception {
    Path file = dir.resolve("pod.yaml");
    Files.writeString(file, MANIFEST);
    CliRun created = capstan("apply", "-f", file.toString());
    assertThat(created.exitCode()).as(created.err()).isZero();
    Pod live = client.pods().get("default", "web");
    assertThat(live.getSpec().getServiceAccountName()).isEqualTo("default");
    assertThat(live.getSpec().getVolumesList()).extracting(v -> v.getName())
        .anySatisfy(name -> assertThat(name).startsWith("kube-api-access-"));
    Pod bound = client.pods().update(live.toBuilder().setSpec(live.getSpec().toBuilder().setNodeName("n1")).build());

    CliRun again = capstan("apply", "-f", file.toString());
    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(again.out()).contains("pod/web unchanged");
    assertThat(client.pods().get("default", "web").getMetadata().getResourceVersion())
        .isEqualTo(bound.getMetadata().getResourceVersion());

    Files.writeString(file, MANIFEST.replace("web:1", "web:2"));
    CliRun changed = capstan("apply", "-f", file.toString());
    assertThat(changed.exitCode()).as(changed.err()).isZero();
    assertThat(changed.out()).contains("pod/web configured");
    Pod after = client.pods().get("default", "web");
    assertThat(after.getSpec().getContainers(0).getImage()).isEqualTo("registry.example.com/web:2");
    assertThat(after.getSpec().getNodeName()).isEqualTo("n1");
    assertThat(after.getSpec().getVolumesList()).isEqualTo(bound.getSpec().getVolumesList());
    assertThat(after.getSpec().getContainers(0).getVolumeMountsList())
        .isEqualTo(bound.getSpec().getContainers(0).getVolumeMountsList());
  }

  private CliRun capstan(String... args) {
    return cluster.capstan(args);
  }
}
