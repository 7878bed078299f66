package dev.capstan.apiserver.authn;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What a verified ServiceAccount token says: whose it is, for whom, until when, and the pod it is
 * bound to ({@code boundPod} empty for a token bound to nothing).
 */
public record ServiceAccountClaims(String namespace, String name, String uid, List<String> audiences,
    Instant expiry, Optional<BoundPod> boundPod) {
  public static final String USER_PREFIX = "system:serviceaccount:";
  public static final String GROUP = "system:serviceaccounts";

  /** The pod of the token's namespace a bound token lives and dies with. */
  public record BoundPod(String name, String uid) {}

  public ServiceAccountClaims {
    audiences = List.copyOf(audiences);
  }

  /** {@code system:serviceaccount:<namespace>:<name>}, the user RBAC sees. */
  public String userName() {
    return USER_PREFIX + namespace + ":" + name;
  }

  /** The user with Kubernetes' groups of a ServiceAccount. */
  public UserInfo user() {
    return new UserInfo(userName(), uid, List.of(GROUP, GROUP + ":" + namespace, UserInfo.SYSTEM_AUTHENTICATED));
  }
}
