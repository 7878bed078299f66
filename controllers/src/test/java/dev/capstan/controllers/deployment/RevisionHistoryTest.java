package dev.capstan.controllers.deployment;

import static dev.capstan.controllers.TestObjects.T0;
import static dev.capstan.controllers.TestObjects.replicaSet;
import static dev.capstan.controllers.TestObjects.rollingDeployment;
import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.apps.v1.ReplicaSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class RevisionHistoryTest {
  @Test
  void deletesTheLowestRevisionsBeyondTheLimitOnceEmpty() {
    Deployment d = rollingDeployment(3, "1", "0");
    d = d.toBuilder().setSpec(d.getSpec().toBuilder().setRevisionHistoryLimit(1)).build();
    ReplicaSet r1 = replicaSet("r1", 0, 0, T0.plusSeconds(3), 1);
    ReplicaSet r2 = replicaSet("r2", 0, 0, T0.plusSeconds(1), 2);
    ReplicaSet r3 = replicaSet("r3", 0, 0, T0.plusSeconds(2), 3);
    assertThat(RevisionHistory.toDelete(d, List.of(r3, r1, r2))).extracting(rs -> rs.getMetadata().getName())
        .containsExactly("r1", "r2");
  }

  @Test
  void keepsReplicaSetsThatStillHavePods() {
    Deployment d = rollingDeployment(3, "1", "0");
    d = d.toBuilder().setSpec(d.getSpec().toBuilder().setRevisionHistoryLimit(0)).build();
    ReplicaSet scaledButNotEmpty = replicaSet("r1", 0, 0, T0, 1);
    scaledButNotEmpty = scaledButNotEmpty.toBuilder()
        .setStatus(scaledButNotEmpty.getStatus().toBuilder().setReplicas(1)).build();
    ReplicaSet active = replicaSet("r2", 1, 1, T0, 2);
    assertThat(RevisionHistory.toDelete(d, List.of(scaledButNotEmpty, active))).isEmpty();
  }

  @Test
  void theDefaultLimitIsTen() {
    Deployment d = rollingDeployment(3, "1", "0");
    List<ReplicaSet> eleven = java.util.stream.IntStream.rangeClosed(1, 11)
        .mapToObj(i -> replicaSet("r" + i, 0, 0, T0, i)).toList();
    assertThat(RevisionHistory.toDelete(d, eleven)).extracting(rs -> rs.getMetadata().getName()).containsExactly("r1");
  }
}
