package dev.capstan.store.etcd;

import dev.capstan.etcd.etcdserverpb.Member;
import dev.capstan.store.ratis.MembershipException;
import dev.capstan.store.ratis.RaftStorePeer;
import dev.capstan.store.ratis.StoreMembership;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@link EtcdClusterInfo} and {@link EtcdMemberChanges} of a {@link RaftStorePeer}. Member IDs
 * are derived from the Raft peer IDs (so every peer computes the same ones, before and after
 * membership changes); the cluster ID is the same for every Capstan store, whose Raft group ID is
 * fixed too, so that it does not change as members come and go. The members are the peer's
 * current Raft configuration; peer URLs are their Raft addresses. Client URLs are those a member
 * was added with, else whatever the caller says each member's etcd endpoint is reachable at (the
 * initial members' are not in the Raft configuration).
 */
public final class RaftPeerClusterInfo implements EtcdClusterInfo, EtcdMemberChanges {

  private static final long CLUSTER_ID = hash("cluster:capstan-store");

  private final RaftStorePeer peer;
  private final StoreMembership membership;
  private final Map<String, List<String>> clientUrlsByPeer;
  private final long memberId;

  /**
   * @param clientUrlsByPeer each member's etcd client URLs by Raft peer ID (members missing from
   *     it are listed without client URLs)
   */
  public RaftPeerClusterInfo(RaftStorePeer peer, Map<String, List<String>> clientUrlsByPeer) {
    this.peer = Objects.requireNonNull(peer, "peer");
    this.membership = new StoreMembership(peer);
    this.clientUrlsByPeer = Map.copyOf(clientUrlsByPeer);
    this.memberId = memberId(peer.id());
  }

  /** The etcd member ID of the Raft peer {@code peerId}: a non-zero hash of it. */
  public static long memberId(String peerId) {
    return hash("member:" + peerId);
  }

  private static long hash(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      long value = ByteBuffer.wrap(digest).getLong();
      return value == 0 ? 1 : value;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  @Override
  public long clusterId() {
    return CLUSTER_ID;
  }

  @Override
  public long memberId() {
    return memberId;
  }

  @Override
  public long raftTerm() {
    return peer.raftTerm();
  }

  @Override
  public long leaderId() {
    return peer.leaderId().map(RaftPeerClusterInfo::memberId).orElse(0L);
  }

  @Override
  public long raftIndex() {
    return peer.commitIndex();
  }

  @Override
  public long raftAppliedIndex() {
    return peer.appliedIndex();
  }

  @Override
  public long dbSize() {
    return peer.storeSizeBytes();
  }

  @Override
  public List<Member> members() {
    return membership.members().stream().map(this::toMember).toList();
  }

  @Override
  public boolean isRemoved() {
    return peer.isRemoved();
  }

  @Override
  public Member add(List<String> peerUrls, List<String> clientUrls) {
    return toMember(membership.add(peerUrls, clientUrls));
  }

  @Override
  public void remove(long id) {
    String name = membership.members().stream().map(StoreMembership.Member::id)
        .filter(peerId -> memberId(peerId) == id).findFirst()
        .orElseThrow(() -> new MembershipException(MembershipException.Reason.NOT_FOUND,
            StoreMembership.MEMBER_NOT_FOUND));
    membership.remove(name);
  }

  private Member toMember(StoreMembership.Member member) {
    List<String> clientUrls = member.clientUrls().isEmpty()
        ? clientUrlsByPeer.getOrDefault(member.id(), List.of()) : member.clientUrls();
    return Member.newBuilder()
        .setID(memberId(member.id()))
        .setName(member.id())
        .addPeerURLs(member.peerUrl())
        .addAllClientURLs(clientUrls)
        .build();
  }
}
