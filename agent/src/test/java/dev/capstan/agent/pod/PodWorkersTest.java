package dev.capstan.agent.pod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.agent.ProtoTimestamps;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.meta.v1.ObjectMeta;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PodWorkersTest {

  /** Records passes; a test can make passes of a pod block or fail. */
  private static final class ScriptedSyncer implements PodSyncer {
    final List<String> passes = new CopyOnWriteArrayList<>();
    final Map<String, AtomicInteger> concurrent = new ConcurrentHashMap<>();
    final AtomicInteger maxConcurrentPerPod = new AtomicInteger();
    final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();
    volatile Function<Pod, SyncResult> behaviour = p -> SyncResult.wakeAt(null);
    volatile List<Pod> runtimePods = List.of();

    @Override
    public SyncResult syncPod(Pod pod) {
      return pass("sync", pod);
    }

    @Override
    public SyncResult terminatePod(Pod pod, boolean removedFromApi) {
      pass(removedFromApi ? "cleanup" : "terminate", pod);
      return SyncResult.FINISHED;
    }

    @Override
    public List<Pod> runtimePods() {
      return runtimePods;
    }

    private SyncResult pass(String what, Pod pod) {
      String uid = pod.getMetadata().getUid();
      int n = concurrent.computeIfAbsent(uid, u -> new AtomicInteger()).incrementAndGet();
      maxConcurrentPerPod.accumulateAndGet(n, Math::max);
      try {
        passes.add(what + ":" + pod.getMetadata().getName() + ":" + pod.getMetadata().getResourceVersion());
        CountDownLatch gate = gates.get(uid);
        if (gate != null) {
          gate.await(10, TimeUnit.SECONDS);
        }
        return behaviour.apply(pod);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      } finally {
        concurrent.get(uid).decrementAndGet();
      }
    }
  }

  private final ScriptedSyncer syncer = new ScriptedSyncer();
  private final PodWorkers workers = new PodWorkers(syncer, Clock.systemUTC(), Duration.ofHours(1));

  @AfterEach
  void tearDown() {
    workers.close();
  }

  private static Pod pod(String uid, String name, String rv) {
    return Pod.newBuilder().setMetadata(ObjectMeta.newBuilder().setUid(uid).setName(name).setNamespace("default")
        .setResourceVersion(rv)).build();
  }

  @Test
  void passesOfOnePodNeverOverlapAndTheNewestUpdateWins() {
    CountDownLatch gate = new CountDownLatch(1);
    syncer.gates.put("a", gate);
    workers.updatePod(pod("a", "web", "1"));
    await().until(() -> syncer.passes.size() == 1);
    workers.updatePod(pod("a", "web", "2"));
    workers.updatePod(pod("a", "web", "3"));
    workers.syncPod("a");
    gate.countDown();

    await().until(() -> syncer.passes.size() == 2);
    assertThat(syncer.passes).containsExactly("sync:web:1", "sync:web:3");
    assertThat(syncer.maxConcurrentPerPod.get()).isEqualTo(1);
  }

  @Test
  void aBlockedPodDoesNotHoldUpOthers() {
    CountDownLatch gate = new CountDownLatch(1);
    syncer.gates.put("slow", gate);
    workers.updatePod(pod("slow", "slow", "1"));
    workers.updatePod(pod("fast", "fast", "1"));
    await().until(() -> syncer.passes.contains("sync:fast:1"));
    gate.countDown();
  }

  @Test
  void aDeletedPodIsTerminatedAndItsWorkerEnds() {
    workers.updatePod(pod("a", "web", "1"));
    await().until(() -> syncer.passes.size() == 1);
    Pod deleting = pod("a", "web", "2").toBuilder().setMetadata(pod("a", "web", "2").getMetadata().toBuilder()
        .setDeletionTimestamp(ProtoTimestamps.of(Instant.now()))).build();
    workers.updatePod(deleting);
    await().until(() -> !workers.known("a"));
    assertThat(syncer.passes).containsExactly("sync:web:1", "terminate:web:2");
    assertThat(workers.pod("default", "web")).isEmpty();
  }

  @Test
  void aPodGoneFromTheApiIsCleanedUpAndLateUpdatesAreIgnored() {
    workers.updatePod(pod("a", "web", "1"));
    await().until(() -> syncer.passes.size() == 1);
    CountDownLatch gate = new CountDownLatch(1);
    syncer.gates.put("a", gate);
    workers.removePod(pod("a", "web", "2"));
    workers.updatePod(pod("a", "web", "1"));
    gate.countDown();
    await().until(() -> !workers.known("a"));
    assertThat(syncer.passes).containsExactly("sync:web:1", "cleanup:web:2");
  }

  @Test
  void wakesUpWhenTheBackOffEnds() {
    AtomicInteger calls = new AtomicInteger();
    syncer.behaviour = p -> calls.incrementAndGet() == 1
        ? SyncResult.wakeAt(Instant.now().plusMillis(100)) : SyncResult.wakeAt(null);
    workers.updatePod(pod("a", "web", "1"));
    await().atMost(Duration.ofSeconds(5)).until(() -> calls.get() == 2);
  }

  @Test
  void retriesAFailedPass() {
    AtomicInteger calls = new AtomicInteger();
    syncer.behaviour = p -> {
      if (calls.incrementAndGet() == 1) {
        throw new IllegalStateException("apiserver unavailable");
      }
      return SyncResult.wakeAt(null);
    };
    workers.updatePod(pod("a", "web", "1"));
    await().atMost(Duration.ofSeconds(5)).until(() -> calls.get() == 2);
  }

  @Test
  void resyncSyncsEveryPodAndTearsDownPodsOnlyTheRuntimeKnows() {
    workers.updatePod(pod("a", "web", "1"));
    await().until(() -> syncer.passes.size() == 1);
    syncer.runtimePods = List.of(pod("a", "web", ""), pod("orphan", "old", ""));
    workers.resync();
    await().until(() -> syncer.passes.size() == 3);
    assertThat(syncer.passes).containsExactlyInAnyOrder("sync:web:1", "sync:web:1", "cleanup:old:");
  }
}
