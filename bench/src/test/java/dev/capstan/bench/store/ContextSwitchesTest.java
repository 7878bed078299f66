package dev.capstan.bench.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
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
  void countsTheHandOffsBetweenThisJvmsThreads() throws Exception {
    long pid = ProcessHandle.current().pid();
    SynchronousQueue<Integer> handOff = new SynchronousQueue<>();
    CountDownLatch counted = new CountDownLatch(1);
    Thread taker = new Thread(() -> {
      try {
        for (int i = 0; i < 200; i++) {
          handOff.take();
        }
        counted.await();  // alive until counted: an exited thread's switches are gone
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "context-switch-probe");
    taker.start();
    long before = ContextSwitches.ofProcess(pid);
    for (int i = 0; i < 200; i++) {
      handOff.put(i);
    }
    long after = ContextSwitches.ofProcess(pid);
    counted.countDown();
    taker.join();
    // 200 hand-offs between two threads that wait for each other: each sleeps and wakes many times.
    assertThat(after - before).isGreaterThanOrEqualTo(2);
    assertThat(ContextSwitches.count(List.of(pid))).isGreaterThan(0);
    assertThat(ContextSwitches.count(List.of())).isNaN();
  }
}
