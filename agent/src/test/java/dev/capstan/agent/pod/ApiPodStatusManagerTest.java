package dev.capstan.agent.pod;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.PodStatus;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.apiserver.ApiServer;
import dev.capstan.client.CapstanClient;
import dev.capstan.store.local.LocalKeyValueStore;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ApiPodStatusManagerTest {
  private ApiServer apiServer;
  private CapstanClient client;
  private ApiPodStatusManager manager;

  @BeforeEach
  void setUp() {
    apiServer = ApiServer.start(new LocalKeyValueStore(), 0);
    client = CapstanClient.connect("127.0.0.1:" + apiServer.port());
    manager = new ApiPodStatusManager(client.pods());
  }

  @AfterEach
  void tearDown() {
    client.close();
    apiServer.close();
  }

  private Pod create(String name) {
    return client.pods().create(Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName(name).setNamespace("default"))
        .setSpec(PodSpec.newBuilder().setNodeName("n1").addContainers(Container.newBuilder().setName("a").setImage("b")))
        .build());
  }

  private static PodStatus phase(String phase) {
    return PodStatus.newBuilder().setPhase(phase).setHostIp("127.0.0.1").build();
  }

  @Test
  void writesOnlyChangedStatuses() {
    Pod pod = create("web");
    assertThat(manager.setStatus(pod, phase("Running"))).isTrue();
    Pod stored = client.pods().get("default", "web");
    assertThat(stored.getStatus()).isEqualTo(phase("Running"));
    assertThat(manager.setStatus(stored, phase("Running"))).isFalse();
    // The caller's copy predates the write: no second write either.
    assertThat(manager.setStatus(pod, phase("Running"))).isFalse();
    assertThat(client.pods().get("default", "web").getMetadata().getResourceVersion())
        .isEqualTo(stored.getMetadata().getResourceVersion());
  }

  @Test
  void aStaleCopyIsRetriedAfterReReadingThePod() {
    Pod pod = create("web");
    Pod relabelled = client.pods().update(pod.toBuilder()
        .setMetadata(pod.getMetadata().toBuilder().putLabels("tier", "front")).build());
    assertThat(manager.setStatus(pod, phase("Running"))).isTrue();
    Pod stored = client.pods().get("default", "web");
    assertThat(stored.getStatus().getPhase()).isEqualTo("Running");
    assertThat(stored.getMetadata().getLabelsMap()).containsEntry("tier", "front");
    assertThat(relabelled.getMetadata().getResourceVersion()).isNotEqualTo(stored.getMetadata().getResourceVersion());
  }

  @Test
  void aStaleCopyGetsTheLastWrittenStatus() {
    Pod pod = create("web");
    manager.setStatus(pod, phase("Running"));
    assertThat(manager.withLatestStatus(pod).getStatus()).isEqualTo(phase("Running"));
    Pod fresh = client.pods().get("default", "web");
    assertThat(manager.withLatestStatus(fresh)).isSameAs(fresh);
  }

  @Test
  void deletingNeverHitsANewPodOfTheSameName() {
    Pod old = create("web");
    client.pods().delete(dev.capstan.api.meta.v1.DeleteRequest.newBuilder().setNamespace("default").setName("web")
        .setGracePeriodSeconds(0).build());
    Pod replacement = create("web");

    manager.deletePod(old);

    assertThat(client.pods().get("default", "web").getMetadata().getUid()).isEqualTo(replacement.getMetadata().getUid());
    manager.deletePod(replacement);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.pods().get("default", "web"))
        .isInstanceOf(StatusRuntimeException.class);
  }
}
