package dev.capstan.store.etcd;

import dev.capstan.etcd.etcdserverpb.Member;
import dev.capstan.store.ratis.MembershipException;
import java.util.List;

/**
 * Membership changes behind etcd's Cluster service. Both calls block until the change is
 * committed or refused, and fail with a {@link MembershipException} carrying etcd's error text.
 */
public interface EtcdMemberChanges {

  /**
   * Adds the member reachable at {@code peerUrls} (exactly one {@code http://HOST:PORT}) and
   * returns it as MemberList will show it.
   */
  Member add(List<String> peerUrls, List<String> clientUrls);

  /** Removes the member with etcd member ID {@code memberId}. */
  void remove(long memberId);
}
