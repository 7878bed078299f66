package dev.capstan.client.leaderelection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.capstan.api.coordination.v1.Lease;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LeaderElectorTest {
  private static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");

  private final MutableClock clock = new MutableClock(T0);
  private final InMemoryLeaseLock lock = new InMemoryLeaseLock();

  private LeaderElector candidate(String identity, RecordingCallbacks callbacks) {
    return new LeaderElector(lock, LeaderElectionConfig.withDefaults("kube-system", "scheduler", identity),
        callbacks, clock);
  }

  private Lease lease() {
    return lock.current().orElseThrow();
  }

  private static Instant instant(com.google.protobuf.Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  @Test
  void createsTheLeaseWhenItDoesNotExist() {
    RecordingCallbacks calls = new RecordingCallbacks();
    LeaderElector a = candidate("a", calls);

    assertThat(a.tryAcquireOrRenew()).isTrue();

    Lease lease = lease();
    assertThat(lease.getMetadata().getNamespace()).isEqualTo("kube-system");
    assertThat(lease.getMetadata().getName()).isEqualTo("scheduler");
    assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("a");
    assertThat(lease.getSpec().getLeaseDurationSeconds()).isEqualTo(15);
    assertThat(lease.getSpec().getLeaseTransitions()).isZero();
    assertThat(instant(lease.getSpec().getAcquireTime())).isEqualTo(T0);
    assertThat(instant(lease.getSpec().getRenewTime())).isEqualTo(T0);
    assertThat(calls.calls).containsExactly("leader:a");
    assertThat(a.observedLeader()).isEqualTo("a");
  }

  @Test
  void anotherCandidateWaitsUntilTheLeaseExpiresThenTakesItOver() {
    RecordingCallbacks bCalls = new RecordingCallbacks();
    LeaderElector a = candidate("a", new RecordingCallbacks());
    LeaderElector b = candidate("b", bCalls);
    assertThat(a.tryAcquireOrRenew()).isTrue();

    assertThat(b.tryAcquireOrRenew()).isFalse();
    assertThat(bCalls.calls).containsExactly("leader:a");

    clock.advance(Duration.ofSeconds(15));
    assertThat(b.tryAcquireOrRenew()).as("renewTime + leaseDuration == now is not yet expired").isFalse();

    clock.advance(Duration.ofMillis(1));
    assertThat(b.tryAcquireOrRenew()).isTrue();
    Lease lease = lease();
    assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("b");
    assertThat(lease.getSpec().getLeaseTransitions()).isEqualTo(1);
    assertThat(instant(lease.getSpec().getAcquireTime())).isEqualTo(clock.instant());
    assertThat(bCalls.calls).containsExactly("leader:a", "leader:b");

    assertThat(a.tryAcquireOrRenew()).as("the old leader sees a live lease held by b").isFalse();
    assertThat(a.observedLeader()).isEqualTo("b");
  }

  @Test
  void renewingKeepsAcquireTimeAndTransitionsAndPushesExpiryBack() {
    LeaderElector a = candidate("a", new RecordingCallbacks());
    LeaderElector b = candidate("b", new RecordingCallbacks());
    assertThat(a.tryAcquireOrRenew()).isTrue();

    clock.advance(Duration.ofSeconds(10));
    assertThat(a.tryAcquireOrRenew()).isTrue();
    clock.advance(Duration.ofSeconds(10));

    assertThat(b.tryAcquireOrRenew()).as("renewed 10 s ago, lease lasts 15 s").isFalse();
    Lease lease = lease();
    assertThat(instant(lease.getSpec().getAcquireTime())).isEqualTo(T0);
    assertThat(instant(lease.getSpec().getRenewTime())).isEqualTo(T0.plusSeconds(10));
    assertThat(lease.getSpec().getLeaseTransitions()).isZero();
  }

  @Test
  void aConflictingWriteMeansNotAcquired() {
    LeaderElector a = candidate("a", new RecordingCallbacks());
    LeaderElector b = candidate("b", new RecordingCallbacks());
    assertThat(a.tryAcquireOrRenew()).isTrue();
    clock.advance(Duration.ofSeconds(16));

    // a renews between b's read and b's write: b's write carries a stale resourceVersion.
    lock.beforeNextUpdate(() -> {
      Lease current = lock.current().orElseThrow();
      lock.overwrite(current.toBuilder()
          .setSpec(current.getSpec().toBuilder().setRenewTime(com.google.protobuf.Timestamp.newBuilder()
              .setSeconds(clock.instant().getEpochSecond())))
          .build());
    });

    assertThat(b.tryAcquireOrRenew()).isFalse();
    assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("a");
  }

  @Test
  void releaseClearsTheHolderSoASuccessorNeedNotWaitForExpiry() {
    LeaderElector a = candidate("a", new RecordingCallbacks());
    LeaderElector b = candidate("b", new RecordingCallbacks());
    assertThat(a.tryAcquireOrRenew()).isTrue();

    a.release();
    assertThat(lease().getSpec().getHolderIdentity()).isEmpty();

    assertThat(b.tryAcquireOrRenew()).isTrue();
    assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("b");
    assertThat(lease().getSpec().getLeaseTransitions()).isEqualTo(1);
  }

  @Test
  void releaseLeavesALeaseHeldBySomeoneElseAlone() {
    LeaderElector a = candidate("a", new RecordingCallbacks());
    LeaderElector b = candidate("b", new RecordingCallbacks());
    assertThat(a.tryAcquireOrRenew()).isTrue();

    b.release();

    assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("a");
  }

  @Test
  void anUnreachableApiServerCountsAsNotAcquired() {
    LeaderElector a = candidate("a", new RecordingCallbacks());
    lock.setUnavailable(true);

    assertThat(a.tryAcquireOrRenew()).isFalse();
  }

  @Test
  void runLeadsAndCloseStopsLeadingThenReleases() {
    RecordingCallbacks calls = new RecordingCallbacks();
    LeaderElector a = new LeaderElector(lock, shortConfig("a"), calls, Clock.systemUTC());
    a.run();

    await().atMost(Duration.ofSeconds(5)).until(a::isLeader);
    a.close();

    assertThat(a.isLeader()).isFalse();
    assertThat(calls.calls).containsExactly("leader:a", "started", "stopped");
    assertThat(lease().getSpec().getHolderIdentity()).isEmpty();
  }

  @Test
  void stopsLeadingWhenRenewalFailsPastTheRenewDeadline() {
    RecordingCallbacks calls = new RecordingCallbacks();
    LeaderElector a = new LeaderElector(lock, shortConfig("a"), calls, Clock.systemUTC());
    a.run();
    try {
      await().atMost(Duration.ofSeconds(5)).until(a::isLeader);

      lock.setUnavailable(true);

      await().atMost(Duration.ofSeconds(5)).until(() -> calls.calls.contains("stopped"));
      assertThat(a.isLeader()).isFalse();

      lock.setUnavailable(false);
      await().atMost(Duration.ofSeconds(5)).until(a::isLeader);
      assertThat(calls.calls).containsExactly("leader:a", "started", "stopped", "started");
    } finally {
      a.close();
    }
  }

  @Test
  void stopsLeadingAtOnceWhenAnotherHolderTookTheLease() {
    RecordingCallbacks calls = new RecordingCallbacks();
    LeaderElector a = new LeaderElector(lock, shortConfig("a"), calls, Clock.systemUTC());
    a.run();
    try {
      await().atMost(Duration.ofSeconds(5)).until(a::isLeader);

      Lease current = lease();
      lock.overwrite(current.toBuilder().setSpec(current.getSpec().toBuilder()
          .setHolderIdentity("intruder")
          .setRenewTime(com.google.protobuf.Timestamp.newBuilder()
              .setSeconds(Instant.now().plusSeconds(3600).getEpochSecond())))
          .build());

      await().atMost(Duration.ofSeconds(5)).until(() -> calls.calls.contains("stopped"));
      assertThat(a.isLeader()).isFalse();
      assertThat(a.observedLeader()).isEqualTo("intruder");
      assertThat(calls.calls).contains("leader:intruder");
    } finally {
      a.close();
    }
  }

  @Test
  void configRejectsInconsistentTimings() {
    Duration s = Duration.ofSeconds(1);
    assertThatThrownBy(() -> new LeaderElectionConfig("ns", "l", "id", s, s, Duration.ofMillis(100)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("leaseDuration:");
    assertThatThrownBy(() -> new LeaderElectionConfig("ns", "l", "id", s, Duration.ofMillis(500),
        Duration.ofMillis(500)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("renewDeadline:");
    assertThatThrownBy(() -> new LeaderElectionConfig("ns", "l", "id", s, Duration.ofMillis(500), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("retryPeriod:");
    assertThatThrownBy(() -> LeaderElectionConfig.withDefaults("ns", "l", " "))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("identity: required");
    assertThatThrownBy(() -> LeaderElectionConfig.withDefaults("", "l", "id"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("leaseNamespace: required");
  }

  @Test
  void runTwiceIsAnError() {
    LeaderElector a = new LeaderElector(lock, shortConfig("a"), new RecordingCallbacks(), Clock.systemUTC());
    a.run();
    try {
      assertThatThrownBy(a::run).isInstanceOf(IllegalStateException.class);
    } finally {
      a.close();
    }
  }

  private static LeaderElectionConfig shortConfig(String identity) {
    return new LeaderElectionConfig("default", "test", identity, Duration.ofMillis(1000),
        Duration.ofMillis(800), Duration.ofMillis(100));
  }
}
