package dev.capstan.controllers.deployment;

import static dev.capstan.controllers.TestObjects.T0;
import static dev.capstan.controllers.TestObjects.replicaSet;
import static dev.capstan.controllers.TestObjects.rollingDeployment;
import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.apps.v1.ReplicaSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DeploymentReplicaSetsTest {
  @Test
  void theNewReplicaSetCarriesTheHashInNameSelectorAndTemplate() {
    Deployment d = rollingDeployment(3, "1", "0");
    String hash = PodTemplateHash.compute(d.getSpec().getTemplate(), 0);
    ReplicaSet rs = DeploymentReplicaSets.newReplicaSet(d, hash, 4, 1);
    assertThat(rs.getMetadata().getName()).isEqualTo("web-" + hash);
    assertThat(rs.getMetadata().getNamespace()).isEqualTo("default");
    assertThat(rs.getSpec().getReplicas()).isEqualTo(1);
    assertThat(rs.getSpec().getSelector().getMatchLabelsMap()).containsEntry("app", "web")
        .containsEntry("pod-template-hash", hash);
    assertThat(rs.getSpec().getTemplate().getMetadata().getLabelsMap()).containsEntry("pod-template-hash", hash);
    assertThat(rs.getMetadata().getLabelsMap()).containsEntry("pod-template-hash", hash);
    assertThat(rs.getMetadata().getAnnotationsMap())
        .containsEntry("deployment.kubernetes.io/revision", "4")
        .containsEntry("deployment.kubernetes.io/desired-replicas", "3")
        .containsEntry("deployment.kubernetes.io/max-replicas", "4");
    assertThat(rs.getMetadata().getOwnerReferences(0).getUid()).isEqualTo("uid-web");
    assertThat(rs.getMetadata().getOwnerReferences(0).getKind()).isEqualTo("Deployment");
  }

  @Test
  void findsTheNewReplicaSetIgnoringTheHashLabel() {
    Deployment d = rollingDeployment(3, "1", "0");
    ReplicaSet current = DeploymentReplicaSets.newReplicaSet(d, "abc", 2, 3);
    current = current.toBuilder().setMetadata(current.getMetadata().toBuilder().setUid("u-current")
        .setCreationTimestamp(dev.capstan.controllers.framework.ProtoTime.toTimestamp(T0))).build();
    ReplicaSet old = replicaSet("old", 0, 0, T0, 1);
    assertThat(DeploymentReplicaSets.findNew(d, List.of(old, current))).contains(current);
    assertThat(DeploymentReplicaSets.old(List.of(old, current), Optional.of(current))).containsExactly(old);
    Deployment changed = d.toBuilder().setSpec(d.getSpec().toBuilder()
        .setTemplate(dev.capstan.controllers.TestObjects.template("web", "nginx:newer"))).build();
    assertThat(DeploymentReplicaSets.findNew(changed, List.of(old, current))).isEmpty();
  }

  @Test
  void scalingSetsTheReplicaAnnotations() {
    Deployment d = rollingDeployment(5, "2", "0");
    ReplicaSet rs = DeploymentReplicaSets.scaled(replicaSet("a", 1, 1, T0, 1), d, 4);
    assertThat(rs.getSpec().getReplicas()).isEqualTo(4);
    assertThat(DeploymentAnnotations.desiredReplicas(rs)).hasValue(5);
    assertThat(DeploymentAnnotations.maxReplicas(rs)).hasValue(7);
  }
}
