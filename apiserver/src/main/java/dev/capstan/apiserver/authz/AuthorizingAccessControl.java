package dev.capstan.apiserver.authz;

import dev.capstan.apiserver.authn.AuthenticationInterceptor;
import dev.capstan.apiserver.authn.UserInfo;
import io.grpc.Status;
import java.util.Optional;

/**
 * Access control of an apiserver with authentication on: the caller must be authenticated (the
 * {@link AuthenticationInterceptor} put a user in the call's context), the {@link Authorizer}
 * must allow the request, and {@link NodeRestriction} must admit it.
 */
public final class AuthorizingAccessControl implements AccessControl {
  private final Authorizer authorizer;
  private final NodeRestriction nodeRestriction;

  public AuthorizingAccessControl(Authorizer authorizer, NodeRestriction nodeRestriction) {
    this.authorizer = authorizer;
    this.nodeRestriction = nodeRestriction;
  }

  @Override
  public void check(AccessRequest request) {
    UserInfo user = AuthenticationInterceptor.currentUser().orElseThrow(() ->
        Status.UNAUTHENTICATED.withDescription("Unauthorized: the request carries no authenticated user")
            .asRuntimeException());
    RequestAttributes attributes = RequestAttributes.of(user, request);
    if (!authorizer.allows(attributes)) {
      throw Status.PERMISSION_DENIED.withDescription(ForbiddenMessage.rbac(request, attributes)).asRuntimeException();
    }
    Optional<String> denial = nodeRestriction.denial(user, request);
    if (denial.isPresent()) {
      throw NodeRestriction.forbidden(request, denial.get());
    }
  }
}
