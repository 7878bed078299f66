package dev.capstan.controllers.deployment;

import static dev.capstan.controllers.TestObjects.T0;
import static dev.capstan.controllers.TestObjects.replicaSet;
import static dev.capstan.controllers.TestObjects.rollingDeployment;
import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.apps.v1.ReplicaSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RollingUpdatePlannerTest {
  private static ReplicaSet withStatus(ReplicaSet rs, int replicas, int available) {
    return rs.toBuilder().setStatus(rs.getStatus().toBuilder().setReplicas(replicas).setReadyReplicas(available)
        .setAvailableReplicas(available)).build();
  }

  @Test
  void theNewReplicaSetStartsWithTheSurge() {
    Deployment d = rollingDeployment(3, "1", "0");
    ReplicaSet old = replicaSet("old", 3, 3, T0, 1);
    assertThat(RollingUpdatePlanner.newReplicaSetReplicas(d, List.of(old), Optional.empty())).isEqualTo(1);
    Deployment wide = rollingDeployment(10, "25%", "25%");
    ReplicaSet old10 = replicaSet("old", 10, 10, T0, 1);
    assertThat(RollingUpdatePlanner.newReplicaSetReplicas(wide, List.of(old10), Optional.empty())).isEqualTo(3);
  }

  @Test
  void theNewReplicaSetWaitsWhileTheSurgeIsUsedUp() {
    Deployment d = rollingDeployment(3, "1", "0");
    ReplicaSet old = replicaSet("old", 3, 3, T0, 1);
    ReplicaSet newRs = replicaSet("new", 1, 0, T0.plusSeconds(1), 2);
    assertThat(RollingUpdatePlanner.newReplicaSetReplicas(d, List.of(old), Optional.of(newRs))).isEqualTo(1);
  }

  @Test
  void theNewReplicaSetWaitsUntilTheOldOneReportsItsPodsGone() {
    Deployment d = rollingDeployment(3, "1", "0");
    ReplicaSet newRs = replicaSet("new", 1, 1, T0.plusSeconds(1), 2);
    // Old was scaled 3 -> 2 but still reports 3 pods: growing now could make 5 pods exist.
    ReplicaSet lagging = withStatus(replicaSet("old", 2, 2, T0, 1), 3, 3);
    assertThat(RollingUpdatePlanner.newReplicaSetReplicas(d, List.of(lagging), Optional.of(newRs))).isEqualTo(1);
    ReplicaSet caughtUp = withStatus(lagging, 2, 2);
    assertThat(RollingUpdatePlanner.newReplicaSetReplicas(d, List.of(caughtUp), Optional.of(newRs))).isEqualTo(2);
  }

  @Test
  void anOversizedNewReplicaSetShrinksToReplicas() {
    Deployment d = rollingDeployment(3, "1", "0");
    ReplicaSet newRs = replicaSet("new", 5, 5, T0, 2);
    assertThat(RollingUpdatePlanner.newReplicaSetReplicas(d, List.of(), Optional.of(newRs))).isEqualTo(3);
  }

  @Test
  void oldPodsGoOnlyAsNewOnesBecomeAvailable() {
    Deployment d = rollingDeployment(3, "1", "0");
    ReplicaSet old = replicaSet("old", 3, 3, T0, 1);
    ReplicaSet newNotReady = replicaSet("new", 1, 0, T0.plusSeconds(1), 2);
    assertThat(RollingUpdatePlanner.oldReplicaSetScaleDowns(d, List.of(old), newNotReady)).isEmpty();
    ReplicaSet newReady = replicaSet("new", 1, 1, T0.plusSeconds(1), 2);
    assertThat(RollingUpdatePlanner.oldReplicaSetScaleDowns(d, List.of(old), newReady))
        .singleElement().satisfies(t -> {
          assertThat(t.name()).isEqualTo("old");
          assertThat(t.replicas()).isEqualTo(2);
        });
  }

  @Test
  void maxUnavailableAllowsScalingDownBeforeNewPodsAreReady() {
    Deployment d = rollingDeployment(4, "0", "2");
    ReplicaSet old = replicaSet("old", 4, 4, T0, 1);
    ReplicaSet newRs = replicaSet("new", 0, 0, T0.plusSeconds(1), 2);
    assertThat(RollingUpdatePlanner.oldReplicaSetScaleDowns(d, List.of(old), newRs))
        .singleElement().extracting(ScaleTarget::replicas).isEqualTo(2);
  }

  @Test
  void unavailableOldPodsAreRemovedFirstWithoutCostingAvailability() {
    Deployment d = rollingDeployment(3, "1", "1");
    ReplicaSet old = replicaSet("old", 3, 1, T0, 1);
    ReplicaSet newRs = replicaSet("new", 1, 0, T0.plusSeconds(1), 2);
    // allPods 4, minAvailable 2, new unavailable 1: 1 may go, and it is an unhealthy one.
    assertThat(RollingUpdatePlanner.oldReplicaSetScaleDowns(d, List.of(old), newRs))
        .singleElement().extracting(ScaleTarget::replicas).isEqualTo(2);
  }

  @Test
  void theOldestReplicaSetsShrinkFirst() {
    Deployment d = rollingDeployment(4, "0", "2");
    ReplicaSet older = replicaSet("older", 2, 2, T0, 1);
    ReplicaSet old = replicaSet("old", 2, 2, T0.plusSeconds(10), 2);
    ReplicaSet newRs = replicaSet("new", 0, 0, T0.plusSeconds(20), 3);
    assertThat(RollingUpdatePlanner.oldReplicaSetScaleDowns(d, List.of(old, older), newRs))
        .singleElement().satisfies(t -> {
          assertThat(t.name()).isEqualTo("older");
          assertThat(t.replicas()).isZero();
        });
  }

  /**
   * A whole rollout against a simulated cluster in which the Deployment's steps, each ReplicaSet
   * controller's syncs and pods becoming ready interleave randomly: the pods that exist never exceed
   * replicas + maxSurge, the available ones never drop below replicas - maxUnavailable, and the
   * rollout finishes.
   */
  @ParameterizedTest
  @CsvSource({"3,1,0", "10,25%,25%", "5,0,1", "4,50%,0", "1,1,0", "7,2,3"})
  void aSimulatedRolloutRespectsTheBoundsAndCompletes(int replicas, String maxSurge, String maxUnavailable) {
    Deployment d = rollingDeployment(replicas, maxSurge, maxUnavailable);
    RolloutBounds bounds = RolloutBounds.of(d);
    for (long seed = 0; seed < 30; seed++) {
      Simulation sim = new Simulation(d, new Random(seed));
      int steps = 0;
      while (!sim.complete()) {
        sim.step();
        assertThat(sim.pods()).as("pods after step %d, seed %d", steps, seed)
            .isLessThanOrEqualTo(replicas + bounds.maxSurge());
        assertThat(sim.availablePods()).as("available pods after step %d, seed %d", steps, seed)
            .isGreaterThanOrEqualTo(replicas - bounds.maxUnavailable());
        assertThat(++steps).as("steps, seed %d", seed).isLessThan(5_000);
      }
    }
  }

  /** The ReplicaSets of one Deployment with their actual pods, driven by the planner. */
  private static final class Simulation {
    final Deployment d;
    final Random random;
    final List<SimRs> rss = new ArrayList<>();
    SimRs newRs;

    static final class SimRs {
      final String name;
      final int created;
      int spec;
      int pods;
      int availablePods;
      int statusReplicas;
      int statusAvailable;

      SimRs(String name, int created, int spec) {
        this.name = name;
        this.created = created;
        this.spec = spec;
      }

      ReplicaSet proto() {
        return withStatus(replicaSet(name, spec, 0, T0.plusSeconds(created), created + 1),
            statusReplicas, statusAvailable);
      }
    }

    Simulation(Deployment d, Random random) {
      this.d = d;
      this.random = random;
      SimRs old = new SimRs("old", 0, ReplicaCounts.desired(d));
      old.pods = old.availablePods = old.statusReplicas = old.statusAvailable = old.spec;
      rss.add(old);
    }

    int pods() {
      return rss.stream().mapToInt(rs -> rs.pods).sum();
    }

    int availablePods() {
      return rss.stream().mapToInt(rs -> rs.availablePods).sum();
    }

    boolean complete() {
      int replicas = ReplicaCounts.desired(d);
      return newRs != null && newRs.spec == replicas && newRs.availablePods == replicas && pods() == replicas;
    }

    void step() {
      int choice = random.nextInt(3);
      if (choice == 0) {
        deploymentSync();
      } else if (choice == 1) {
        replicaSetSync(rss.get(random.nextInt(rss.size())));
      } else {
        List<SimRs> withUnready = rss.stream().filter(rs -> rs.availablePods < rs.pods).toList();
        if (!withUnready.isEmpty()) {
          withUnready.get(random.nextInt(withUnready.size())).availablePods++;
        }
      }
    }

    void deploymentSync() {
      List<ReplicaSet> old = rss.stream().filter(rs -> rs != newRs).map(SimRs::proto).toList();
      if (newRs == null) {
        newRs = new SimRs("new", 1, RollingUpdatePlanner.newReplicaSetReplicas(d, old, Optional.empty()));
        rss.add(newRs);
        return;
      }
      int target = RollingUpdatePlanner.newReplicaSetReplicas(d, old, Optional.of(newRs.proto()));
      if (target != newRs.spec) {
        newRs.spec = target;
        return;
      }
      for (ScaleTarget t : RollingUpdatePlanner.oldReplicaSetScaleDowns(d, old, newRs.proto())) {
        rss.stream().filter(rs -> rs.name.equals(t.name())).findFirst().orElseThrow().spec = t.replicas();
      }
    }

    /** Like the ReplicaSet controller: status from the pods it sees, then create or delete. */
    void replicaSetSync(SimRs rs) {
      rs.statusReplicas = rs.pods;
      rs.statusAvailable = rs.availablePods;
      if (rs.pods > rs.spec) {
        int surplus = rs.pods - rs.spec;
        int unavailable = rs.pods - rs.availablePods;
        rs.availablePods -= Math.max(0, surplus - unavailable);
        rs.pods = rs.spec;
      } else if (rs.pods < rs.spec) {
        rs.pods = rs.spec;
      }
    }
  }
}
