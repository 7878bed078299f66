package dev.capstan.bench.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.SynchronousQueue;
import org.junit.jupiter.api.Test;

class ContextSwitchesTest {

  @Test
  void sumsVoluntaryAndInvoluntarySwitchesOfAStatusFile() {
    assertThat(ContextSwitches.ofThread("Name:\tjava\nState:\tS (sleeping)\n"
        + "voluntary_ctxt_switches:\t120\nnonvoluntary_ctxt_switches:\t7\n")).isEqualTo(127);
  }

  @Test
  void addsUpEachThreadsGrowthSoAnEndedThreadCannotMakeItNegative() {
    // thread 1 grew by 5; thread 2 (which had switched 1,000 times) ended; thread 3 started and
    // switched 7 times; thread 4's id was reused by a new thread that has switched twice.
    Map<Long, Long> before = Map.of(1L, 100L, 2L, 1000L, 4L, 50L);
    Map<Long, Long> after = Map.of(1L, 105L, 3L, 7L, 4L, 2L);
    assertThat(ContextSwitches.between(before, after)).isEqualTo(5 + 7 + 2);
    assertThat(ContextSwitches.between(null, after)).isNaN();
    assertThat(ContextSwitches.between(before, null)).isNaN();
  }

  @Test
  void sumsEachThreadsGrowthByWhatTheThreadDoes() {
    Map<Long, String> groups = Map.of(1L, "gRPC executor", 2L, "gRPC executor", 3L, "watch feed");
    Map<Long, Long> before = Map.of(1L, 10L, 2L, 20L, 3L, 5L, 9L, 100L);
    // thread 4 started during the run and ended before the names were read
    Map<Long, Long> after = Map.of(1L, 13L, 2L, 24L, 3L, 6L, 4L, 2L);
    assertThat(ContextSwitches.byGroup(groups, before, after))
        .containsExactlyInAnyOrderEntriesOf(Map.of("gRPC executor", 7.0, "watch feed", 1.0, "(ended)", 2.0));
    assertThat(ContextSwitches.byGroup(groups, null, after)).isEmpty();
    assertThat(ContextSwitches.byGroup(Map.of(), before, after)).isEmpty();
  }

  @Test
  void countsTheHandOffsBetweenThisJvmsThreads() throws Exception {
    List<Long> self = List.of(ProcessHandle.current().pid());
    SynchronousQueue<Integer> handOff = new SynchronousQueue<>();
    CountDownLatch counted = new CountDownLatch(1);
    Thread taker = new Thread(() -> {
      try {
        for (int i = 0; i < 200; i++) {
          handOff.take();
        }
        counted.await();  // alive until counted: an ended thread's switches are gone
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "context-switch-probe");
    taker.start();
    Map<Long, Long> before = ContextSwitches.read(self);
    for (int i = 0; i < 200; i++) {
      handOff.put(i);
    }
    Map<Long, Long> after = ContextSwitches.read(self);
    counted.countDown();
    taker.join();
    // 200 hand-offs between two threads that wait for each other: each sleeps and wakes many times.
    assertThat(ContextSwitches.between(before, after)).isGreaterThanOrEqualTo(2);
    assertThat(ContextSwitches.read(List.of())).isNull();
  }
}
