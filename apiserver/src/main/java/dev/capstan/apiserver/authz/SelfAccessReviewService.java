package dev.capstan.apiserver.authz;

import com.google.protobuf.Message;
import dev.capstan.api.authorization.v1.ResourceAttributes;
import dev.capstan.api.authorization.v1.SelfSubjectAccessReview;
import dev.capstan.api.authorization.v1.SelfSubjectAccessReviewsGrpc;
import dev.capstan.api.authorization.v1.SubjectAccessReviewStatus;
import dev.capstan.client.Kind;
import dev.capstan.client.Kinds;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.Optional;

/**
 * SelfSubjectAccessReviews.Create: tells the (authenticated) caller whether the apiserver would
 * allow it a request with the given attributes, by asking the same {@link AccessControl} that
 * guards real requests.
 */
public final class SelfAccessReviewService extends SelfSubjectAccessReviewsGrpc.SelfSubjectAccessReviewsImplBase {
  private final AccessControl access;

  public SelfAccessReviewService(AccessControl access) {
    this.access = access;
  }

  @Override
  public void create(SelfSubjectAccessReview review, StreamObserver<SelfSubjectAccessReview> out) {
    try {
      ResourceAttributes a = review.getSpec().getResourceAttributes();
      if (a.getVerb().isEmpty()) {
        throw Status.INVALID_ARGUMENT.withDescription("spec.resourceAttributes.verb: Required value").asRuntimeException();
      }
      Kind<? extends Message> kind = Kinds.all().stream()
          .filter(k -> k.resource().equals(a.getResource()) && k.group().equals(a.getGroup()))
          .findFirst()
          .orElseThrow(() -> Status.INVALID_ARGUMENT.withDescription("spec.resourceAttributes.resource: unknown resource \""
              + a.getResource() + "\" in group \"" + a.getGroup() + "\"").asRuntimeException());
      String namespace = kind.namespaced() ? a.getNamespace() : "";
      SubjectAccessReviewStatus.Builder status = SubjectAccessReviewStatus.newBuilder();
      try {
        access.check(new AccessRequest(kind, a.getVerb(), a.getSubresource(), namespace, a.getName(), Optional::empty));
        status.setAllowed(true);
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.PERMISSION_DENIED) {
          throw e;
        }
        status.setAllowed(false).setReason(e.getStatus().getDescription());
      }
      out.onNext(review.toBuilder().setStatus(status).build());
      out.onCompleted();
    } catch (StatusRuntimeException e) {
      out.onError(e);
    }
  }
}
