package dev.capstan.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.PodStatus;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.apiserver.authn.UserInfo;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.ResourceClient;
import dev.capstan.store.local.LocalKeyValueStore;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Create, Update, UpdateStatus and Patch answer a network client with the bytes they stored, the
 * revision added as resourceVersion; an in-process client gets the object. Either way the answer
 * is exactly the object a Get right after returns.
 */
class WriteRepliesTest {
  private final LocalKeyValueStore store = new LocalKeyValueStore();
  private ApiServer server;
  private CapstanClient network;
  private CapstanClient inProcess;

  @BeforeEach
  void start() {
    server = ApiServer.start(store, 0);
    network = CapstanClient.connect("127.0.0.1:" + server.port());
    inProcess = server.inProcessClient(new UserInfo("ops", "", List.of("system:masters")));
  }

  @AfterEach
  void stop() {
    network.close();
    inProcess.close();
    server.close();
    store.close();
  }

  private static Pod pod(String generateName) {
    return Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setGenerateName(generateName)
            .putLabels("app", "web"))
        .setSpec(PodSpec.newBuilder().addContainers(Container.newBuilder().setName("c").setImage("busybox")))
        .build();
  }

  private static void answersAsGetDoes(ResourceClient<Pod> pods, String generateName) {
    Pod created = pods.create(pod(generateName));
    String name = created.getMetadata().getName();
    assertThat(name).startsWith(generateName).hasSizeGreaterThan(generateName.length());
    assertThat(created.getMetadata().getResourceVersion()).isNotEmpty();
    assertThat(created.getSpec().getVolumesCount()).isEqualTo(1);  // admission's token volume is in what was stored
    assertThat(created).isEqualTo(pods.get("default", name));

    Pod updated = pods.update(created.toBuilder().setMetadata(created.getMetadata().toBuilder()
        .putLabels("tier", "front")).build());
    assertThat(Long.parseLong(updated.getMetadata().getResourceVersion()))
        .isGreaterThan(Long.parseLong(created.getMetadata().getResourceVersion()));
    assertThat(updated.getMetadata().getLabelsMap()).containsEntry("tier", "front");
    assertThat(updated).isEqualTo(pods.get("default", name));

    Pod running = pods.updateStatus(updated.toBuilder().setStatus(PodStatus.newBuilder().setPhase("Running")).build());
    assertThat(running.getStatus().getPhase()).isEqualTo("Running");
    assertThat(running).isEqualTo(pods.get("default", name));

    Pod patched = pods.patch("default", name, "{\"metadata\":{\"labels\":{\"tier\":null}}}");
    assertThat(patched.getMetadata().getLabelsMap()).doesNotContainKey("tier");
    assertThat(patched).isEqualTo(pods.get("default", name));

    // an update that changes nothing stores nothing: answered with the stored object as it is
    Pod same = pods.update(patched.toBuilder().setMetadata(patched.getMetadata().toBuilder().clearResourceVersion())
        .build());
    assertThat(same).isEqualTo(patched).isEqualTo(pods.get("default", name));
  }

  @Test
  void aNetworkClientGetsTheStoredObjectWithItsResourceVersion() {
    answersAsGetDoes(network.pods(), "net-");
  }

  @Test
  void anInProcessClientGetsTheSameObjects() {
    answersAsGetDoes(inProcess.pods(), "local-");
  }
}
