package dev.capstan.apiserver.authn;

import java.time.Instant;
import java.util.List;

/** What a verified ServiceAccount token says: whose it is, for whom, and until when. */
public record ServiceAccountClaims(String namespace, String name, String uid, List<String> audiences,
    Instant expiry) {
  public static final String USER_PREFIX = "system:serviceaccount:";
  public static final String GROUP = "system:serviceaccounts";

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
