package dev.capstan.apiserver.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.authorization.v1.SelfSubjectAccessReviewsGrpc;
import dev.capstan.client.Kinds;
import org.junit.jupiter.api.Test;

/** gRPC methods named in Kubernetes' terms, as RBAC checks them. */
class AuditedMethodTest {
  @Test
  void subresourceMethodsAreKubernetesVerbsOnSubresources() {
    assertThat(AuditedMethod.of(Kinds.POD.method("UpdateStatus")))
        .isEqualTo(new AuditedMethod("update", "", "v1", "pods", "status", "pods/status", false, false));
    assertThat(AuditedMethod.of(Kinds.POD.method("Bind")).resourcePath()).isEqualTo("pods/binding");
    assertThat(AuditedMethod.of(Kinds.POD.method("Bind")).verb()).isEqualTo("create");
    AuditedMethod log = AuditedMethod.of(Kinds.POD.method("Log"));
    assertThat(log.verb()).isEqualTo("get");
    assertThat(log.resourcePath()).isEqualTo("pods/log");
    assertThat(log.longRunning()).isTrue();
    assertThat(log.streaming()).isTrue();
    AuditedMethod exec = AuditedMethod.of(Kinds.POD.method("Exec"));
    assertThat(exec.verb()).isEqualTo("create");
    assertThat(exec.longRunning()).isTrue();
    assertThat(exec.streaming()).isFalse();
    assertThat(AuditedMethod.of(Kinds.DEPLOYMENT.method("UpdateScale")))
        .isEqualTo(new AuditedMethod("update", "apps", "v1", "deployments", "scale", "deployments/scale", false, false));
    assertThat(AuditedMethod.of(Kinds.SERVICE_ACCOUNT.method("CreateToken")).resourcePath())
        .isEqualTo("serviceaccounts/token");
  }

  @Test
  void plainVerbsAndGroupsComeFromTheKind() {
    AuditedMethod watch = AuditedMethod.of(Kinds.LEASE.method("Watch"));
    assertThat(watch.verb()).isEqualTo("watch");
    assertThat(watch.apiGroup()).isEqualTo("coordination.k8s.io");
    assertThat(watch.resourcePath()).isEqualTo("leases");
    assertThat(watch.longRunning()).isTrue();
    assertThat(AuditedMethod.of(Kinds.SECRET.method("DeleteCollection")).verb()).isEqualTo("deletecollection");
    AuditedMethod review = AuditedMethod.of(SelfSubjectAccessReviewsGrpc.getCreateMethod());
    assertThat(review.apiGroup()).isEqualTo("authorization.k8s.io");
    assertThat(review.resource()).isEqualTo("selfsubjectaccessreviews");
  }
}
