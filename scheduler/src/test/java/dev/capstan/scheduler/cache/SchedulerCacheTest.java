package dev.capstan.scheduler.cache;

import static dev.capstan.scheduler.TestObjects.boundTo;
import static dev.capstan.scheduler.TestObjects.pod;
import static dev.capstan.scheduler.TestObjects.readyNode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.api.core.v1.Pod;
import dev.capstan.scheduler.framework.NodeInfo;
import dev.capstan.scheduler.framework.Resource;
import java.util.List;
import org.junit.jupiter.api.Test;

class SchedulerCacheTest {
  private final SchedulerCache cache = new SchedulerCache();

  private NodeInfo node(String name) {
    return cache.snapshot().stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void anAssumedPodCountsOnItsNodeAtOnce() {
    cache.addNode(readyNode("a", "4", "8Gi"));
    Pod assumed = boundTo(pod("p", "1", "1Gi"), "a");

    cache.assume(assumed);

    assertThat(cache.isAssumed("default/p")).isTrue();
    assertThat(node("a").requested()).isEqualTo(new Resource(1000, 1024L * 1024 * 1024));
  }

  @Test
  void theInformersReportConfirmsTheAssumedPod() {
    cache.addNode(readyNode("a", "4", "8Gi"));
    Pod assumed = boundTo(pod("p", "1", "1Gi"), "a");
    cache.assume(assumed);

    cache.addPod(assumed.toBuilder().setMetadata(assumed.getMetadata().toBuilder().setResourceVersion("9")).build());

    assertThat(cache.isAssumed("default/p")).isFalse();
    assertThat(cache.contains("default/p")).isTrue();
    assertThat(node("a").podCount()).isEqualTo(1);
    cache.forget(assumed);
    assertThat(node("a").podCount()).as("forget after confirmation changes nothing").isEqualTo(1);
  }

  @Test
  void forgetUndoesAnAssumption() {
    cache.addNode(readyNode("a", "4", "8Gi"));
    Pod assumed = boundTo(pod("p", "1", "1Gi"), "a");
    cache.assume(assumed);

    cache.forget(assumed);

    assertThat(cache.contains("default/p")).isFalse();
    assertThat(node("a").requested()).isEqualTo(Resource.ZERO);
  }

  @Test
  void aConfirmationOnAnotherNodeMovesThePod() {
    cache.addNode(readyNode("a", "4", "8Gi"));
    cache.addNode(readyNode("b", "4", "8Gi"));
    cache.assume(boundTo(pod("p", "1", "1Gi"), "a"));

    cache.addPod(boundTo(pod("p", "1", "1Gi"), "b"));

    assertThat(node("a").podCount()).isZero();
    assertThat(node("b").podCount()).isEqualTo(1);
    assertThat(cache.nodeOf("default/p")).isEqualTo("b");
  }

  @Test
  void assumingAPodTwiceIsAnError() {
    cache.assume(boundTo(pod("p", "1", "1Gi"), "a"));

    assertThatThrownBy(() -> cache.assume(boundTo(pod("p", "1", "1Gi"), "a")))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> cache.assume(pod("q", "1", "1Gi")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("spec.nodeName:");
  }

  @Test
  void terminalPodsFreeTheirResources() {
    cache.addNode(readyNode("a", "4", "8Gi"));
    Pod running = boundTo(pod("p", "1", "1Gi"), "a");
    cache.addPod(running);

    cache.updatePod(running.toBuilder().setStatus(running.getStatus().toBuilder().setPhase("Succeeded")).build());

    assertThat(cache.contains("default/p")).isFalse();
    assertThat(node("a").requested()).isEqualTo(Resource.ZERO);
  }

  @Test
  void deletedPodsAreRemovedAssumedOrNot() {
    cache.addNode(readyNode("a", "4", "8Gi"));
    cache.addPod(boundTo(pod("p", "1", "1Gi"), "a"));
    cache.assume(boundTo(pod("q", "1", "1Gi"), "a"));

    cache.removePod(pod("p", null, null));
    cache.removePod(pod("q", null, null));

    assertThat(node("a").podCount()).isZero();
  }

  @Test
  void unassignedPodsAreIgnored() {
    cache.addPod(pod("p", "1", "1Gi"));

    assertThat(cache.contains("default/p")).isFalse();
  }

  @Test
  void podsOnAnUnknownNodeAreKeptUntilTheNodeAppearsButNotOfferedBefore() {
    cache.addPod(boundTo(pod("p", "1", "1Gi"), "late"));
    assertThat(cache.snapshot()).isEmpty();

    cache.addNode(readyNode("late", "4", "8Gi"));

    assertThat(node("late").podCount()).isEqualTo(1);
  }

  @Test
  void aRemovedNodeIsNoLongerOfferedButItsPodsStayCounted() {
    cache.addNode(readyNode("a", "4", "8Gi"));
    cache.addPod(boundTo(pod("p", "1", "1Gi"), "a"));

    cache.removeNode("a");
    assertThat(cache.snapshot()).isEmpty();
    assertThat(cache.contains("default/p")).isTrue();

    cache.addNode(readyNode("a", "4", "8Gi"));
    assertThat(node("a").podCount()).isEqualTo(1);
  }

  @Test
  void snapshotsAreSortedByNameAndIndependentOfTheCache() {
    cache.addNode(readyNode("b", "4", "8Gi"));
    cache.addNode(readyNode("a", "4", "8Gi"));
    List<NodeInfo> snapshot = cache.snapshot();

    snapshot.get(0).addPod(boundTo(pod("p", "1", "1Gi"), "a"));

    assertThat(snapshot).extracting(NodeInfo::name).containsExactly("a", "b");
    assertThat(node("a").podCount()).isZero();
  }

  @Test
  void aNodeUpdateChangesItsAllocatable() {
    cache.addNode(readyNode("a", "1", "1Gi"));
    cache.updateNode(readyNode("a", "8", "1Gi"));

    assertThat(node("a").allocatable().milliCpu()).isEqualTo(8000);
  }
}
