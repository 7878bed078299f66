package dev.capstan.apiserver.authz;

/**
 * Decides whether the caller of the current gRPC call may make a request; throws a
 * {@link io.grpc.StatusRuntimeException} (UNAUTHENTICATED or PERMISSION_DENIED) when not.
 */
public interface AccessControl {
  /** Access control that lets everything through: for an apiserver run without authentication. */
  AccessControl ALLOW_ALL = request -> {};

  void check(AccessRequest request);
}
