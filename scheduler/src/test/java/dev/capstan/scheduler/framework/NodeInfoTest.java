package dev.capstan.scheduler.framework;

import static dev.capstan.scheduler.TestObjects.boundTo;
import static dev.capstan.scheduler.TestObjects.pod;
import static dev.capstan.scheduler.TestObjects.readyNode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.api.core.v1.Node;
import org.junit.jupiter.api.Test;

class NodeInfoTest {
  private static final long MI = 1024L * 1024;

  @Test
  void sumsTheRequestsOfItsPodsAndSubtractsRemovedOnes() {
    NodeInfo info = new NodeInfo(readyNode("n", "4", "8Gi"));
    info.addPod(boundTo(pod("a", "500m", "128Mi"), "n"));
    info.addPod(boundTo(pod("b", "250m", null), "n"));

    assertThat(info.requested()).isEqualTo(new Resource(750, 128 * MI));
    assertThat(info.nonZeroRequested()).isEqualTo(new Resource(750, 328 * MI));
    assertThat(info.podCount()).isEqualTo(2);

    assertThat(info.removePod("default/a")).isTrue();
    assertThat(info.removePod("default/a")).isFalse();
    assertThat(info.requested()).isEqualTo(new Resource(250, 0));
  }

  @Test
  void addingThePodAgainReplacesItsRequests() {
    NodeInfo info = new NodeInfo(readyNode("n", "4", "8Gi"));
    info.addPod(boundTo(pod("a", "500m", "128Mi"), "n"));
    info.addPod(boundTo(pod("a", "1", "128Mi"), "n"));

    assertThat(info.requested()).isEqualTo(new Resource(1000, 128 * MI));
    assertThat(info.podCount()).isEqualTo(1);
  }

  @Test
  void aCopyIsIndependent() {
    NodeInfo info = new NodeInfo(readyNode("n", "4", "8Gi"));
    info.addPod(boundTo(pod("a", "500m", "128Mi"), "n"));
    NodeInfo copy = info.copy();

    copy.addPod(boundTo(pod("b", "1", "1Gi"), "n"));

    assertThat(info.podCount()).isEqualTo(1);
    assertThat(info.requested()).isEqualTo(new Resource(500, 128 * MI));
    assertThat(copy.requested()).isEqualTo(new Resource(1500, 1152 * MI));
  }

  @Test
  void aMalformedAllocatableIsRejectedNamingTheFieldAndChangesNothing() {
    NodeInfo info = new NodeInfo(readyNode("n", "4", "8Gi"));
    Node bad = readyNode("n", "four", "8Gi");

    assertThatThrownBy(() -> info.setNode(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("status.allocatable.cpu: invalid quantity \"four\"");
    assertThat(info.allocatable()).isEqualTo(new Resource(4000, 8192 * MI));
  }

  @Test
  void withoutAPodsCountAnyNumberOfPodsIsAllowed() {
    assertThat(new NodeInfo(readyNode("n", "1", "1Gi")).allowedPodCount()).isEqualTo(Long.MAX_VALUE);
  }
}
