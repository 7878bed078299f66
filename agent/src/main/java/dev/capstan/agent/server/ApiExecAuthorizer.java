package dev.capstan.agent.server;

import dev.capstan.api.authorization.v1.ResourceAttributes;
import dev.capstan.api.authorization.v1.SelfSubjectAccessReview;
import dev.capstan.api.authorization.v1.SelfSubjectAccessReviewSpec;
import dev.capstan.api.authorization.v1.SelfSubjectAccessReviewsGrpc;
import dev.capstan.client.CapstanClient;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Asks the apiserver, as the caller (with the caller's own bearer token), whether it may create
 * pods/exec on the pod: the decision is the apiserver's RBAC, never the agent's.
 */
public final class ApiExecAuthorizer implements PodExec.ExecAuthorizer {
  private static final long REVIEW_DEADLINE_SECONDS = 10;

  private final CapstanClient apiserver;

  public ApiExecAuthorizer(CapstanClient apiserver) {
    this.apiserver = apiserver;
  }

  @Override
  public Optional<String> denial(Optional<String> token, String namespace, String pod) {
    SelfSubjectAccessReview review = SelfSubjectAccessReviewsGrpc.newBlockingStub(apiserver.channelAs(token.orElse(null)))
        .withDeadlineAfter(REVIEW_DEADLINE_SECONDS, TimeUnit.SECONDS)
        .create(SelfSubjectAccessReview.newBuilder().setSpec(SelfSubjectAccessReviewSpec.newBuilder()
            .setResourceAttributes(ResourceAttributes.newBuilder().setNamespace(namespace).setVerb("create")
                .setResource("pods").setSubresource("exec").setName(pod))).build());
    return review.getStatus().getAllowed() ? Optional.empty() : Optional.of(review.getStatus().getReason());
  }
}
