package dev.capstan.apiserver.authn;

import java.util.List;

/**
 * Who made a request, as the authenticator resolved it: a user name, a uid and the groups the
 * user is in. Authorization decides on these; nothing else about the caller is trusted.
 */
public record UserInfo(String name, String uid, List<String> groups) {
  /** Members may do anything (the cluster-admin ClusterRole is bound to this group). */
  public static final String SYSTEM_MASTERS = "system:masters";
  /** Node agents; NodeRestriction limits what each one may change. */
  public static final String SYSTEM_NODES = "system:nodes";
  /** Every authenticated user is in this group. */
  public static final String SYSTEM_AUTHENTICATED = "system:authenticated";
  /** The prefix of a node agent's user name; the rest is its node's name. */
  public static final String NODE_USER_PREFIX = "system:node:";

  public UserInfo {
    groups = List.copyOf(groups);
  }

  public boolean inGroup(String group) {
    return groups.contains(group);
  }
}
