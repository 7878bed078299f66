package dev.capstan.bench.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class ThreadCpuTest {

  @Test
  void eventLoopsAreToldApartByTheGrpcTheyRun() {
    assertThat(ThreadCpu.group("grpc-default-worker-ELG-3-2",
        "at org.apache.ratis.thirdparty.io.netty.channel.epoll.EpollEventLoop.run(EpollEventLoop.java:333)"))
        .isEqualTo("grpc-default-worker (Ratis, shaded gRPC)");
    assertThat(ThreadCpu.group("grpc-default-worker-ELG-1-1",
        "at io.netty.channel.epoll.EpollEventLoop.run(EpollEventLoop.java:333)"))
        .isEqualTo("grpc-default-worker (plain gRPC: etcd endpoint, API)");
  }

  @Test
  void raftDivisionThreadsKeepTheirRoleAndOtherNamesLoseTheirNumbers() {
    assertThat(ThreadCpu.group("c1@group-7A90BA2F5F9E-StateMachineUpdater", ""))
        .isEqualTo("Raft division: StateMachineUpdater");
    assertThat(ThreadCpu.group("c1@group-7A90BA2F5F9E->c2-GrpcLogAppender-LogAppenderDaemon", ""))
        .isEqualTo("Raft division: GrpcLogAppender-LogAppenderDaemon");
    assertThat(ThreadCpu.group("grpc-default-executor-12", "")).isEqualTo("grpc-default-executor-N");
    assertThat(ThreadCpu.group("store-snapshot-writer-3", "")).isEqualTo("store-snapshot-writer-N");
  }

  @Test
  void sumsEachThreadsCpuByGroupCountingNewThreadsFromZero() {
    Map<Long, String> groups = Map.of(1L, "GC Thread#N", 2L, "GC Thread#N", 3L, "watch feed");
    Map<Long, Double> before = Map.of(1L, 1.0, 2L, 2.0, 3L, 0.5, 9L, 7.0);
    // thread 4 started during the run and ended before the names were read; thread 3's id was
    // reused by a new thread that has used less than the old one had
    Map<Long, Double> after = Map.of(1L, 1.25, 2L, 2.5, 3L, 0.125, 4L, 0.25);
    assertThat(ThreadCpu.byGroup(groups, before, after))
        .containsExactlyInAnyOrderEntriesOf(Map.of("GC Thread#N", 0.75, "watch feed", 0.125, "(ended)", 0.25));
    assertThat(ThreadCpu.byGroup(groups, null, after)).isEmpty();
    assertThat(ThreadCpu.byGroup(groups, before, null)).isEmpty();
    // jcmd could not name the threads: no table rather than everything as "(ended)"
    assertThat(ThreadCpu.byGroup(Map.of(), before, after)).isEmpty();
  }

  @Test
  void readsThisJvmsThreadsByNativeId() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    Thread parked = new Thread(() -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "thread-cpu-probe-42");
    parked.start();
    try {
      long pid = ProcessHandle.current().pid();
      Map<Long, String> groups = ThreadCpu.groups(pid);
      Map<Long, Double> cpu = ThreadCpu.sample(pid);
      assertThat(groups).containsValue("thread-cpu-probe-N").containsValue("main");
      // Every thread jcmd named is one /proc lists (the probe and main at least are still alive).
      groups.entrySet().stream().filter(e -> e.getValue().equals("thread-cpu-probe-N") || e.getValue().equals("main"))
          .forEach(e -> assertThat(cpu).containsKey(e.getKey()));
      assertThat(cpu.values()).allSatisfy(seconds -> assertThat(seconds).isNotNegative());
    } finally {
      release.countDown();
      parked.join();
    }
  }
}
