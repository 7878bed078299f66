package dev.capstan.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.api.coordination.v1.Lease;
import dev.capstan.client.leaderelection.LeaderCallbacks;
import dev.capstan.client.leaderelection.LeaderElectionConfig;
import dev.capstan.client.leaderelection.LeaderElector;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client's LeaderElector against a real apiserver: two candidates on one Lease. */
class LeaderElectionIntegrationTest {
  private final ApiServerFixture api = new ApiServerFixture();
  private final AtomicInteger leaders = new AtomicInteger();
  private final AtomicInteger mostLeadersAtOnce = new AtomicInteger();

  @AfterEach
  void stop() {
    api.close();
  }

  private LeaderElector candidate(String identity) {
    LeaderElectionConfig config = new LeaderElectionConfig("kube-system", "capstan-scheduler", identity,
        Duration.ofMillis(1000), Duration.ofMillis(800), Duration.ofMillis(200));
    return new LeaderElector(api.client, config, new LeaderCallbacks() {
      @Override
      public void onStartedLeading() {
        mostLeadersAtOnce.accumulateAndGet(leaders.incrementAndGet(), Math::max);
      }

      @Override
      public void onStoppedLeading() {
        leaders.decrementAndGet();
      }
    }, Clock.systemUTC());
  }

  private Lease lease() {
    return api.client.leases().get("kube-system", "capstan-scheduler");
  }

  @Test
  void exactlyOneLeadsAndTheOtherTakesOverWhenTheLeaderCloses() {
    LeaderElector a = candidate("server-a");
    LeaderElector b = candidate("server-b");
    try {
      a.run();
      b.run();

      await().atMost(Duration.ofSeconds(10)).until(() -> a.isLeader() || b.isLeader());
      LeaderElector leader = a.isLeader() ? a : b;
      LeaderElector follower = leader == a ? b : a;
      assertThat(follower.isLeader()).isFalse();
      assertThat(lease().getSpec().getHolderIdentity()).isEqualTo(leader.config().identity());
      await().atMost(Duration.ofSeconds(10))
          .until(() -> follower.observedLeader().equals(leader.config().identity()));
      int transitionsBefore = lease().getSpec().getLeaseTransitions();

      leader.close();

      await().atMost(Duration.ofSeconds(10)).until(follower::isLeader);
      assertThat(leader.isLeader()).isFalse();
      Lease after = lease();
      assertThat(after.getSpec().getHolderIdentity()).isEqualTo(follower.config().identity());
      assertThat(after.getSpec().getLeaseTransitions()).isEqualTo(transitionsBefore + 1);
      assertThat(mostLeadersAtOnce.get()).as("never two leaders at once").isEqualTo(1);
    } finally {
      a.close();
      b.close();
    }
  }
}
