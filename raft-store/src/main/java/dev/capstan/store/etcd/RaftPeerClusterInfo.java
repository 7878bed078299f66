package dev.capstan.store.etcd;

import dev.capstan.etcd.etcdserverpb.Member;
import dev.capstan.store.ratis.PeerAddress;
import dev.capstan.store.ratis.RaftStorePeer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@link EtcdClusterInfo} of a {@link RaftStorePeer}. Member IDs are derived from the Raft peer
 * IDs (so every peer computes the same ones), the cluster ID from the peer set. Peer URLs are the
 * members' Raft addresses; client URLs are whatever the caller says each member's etcd endpoint
 * is reachable at (a Raft peer does not know the others' endpoints).
 */
public final class RaftPeerClusterInfo implements EtcdClusterInfo {

  private final RaftStorePeer peer;
  private final Map<String, List<String>> clientUrlsByPeer;
  private final long clusterId;
  private final long memberId;

  /**
   * @param clientUrlsByPeer each member's etcd client URLs by Raft peer ID (members missing from
   *     it are listed without client URLs)
   */
  public RaftPeerClusterInfo(RaftStorePeer peer, Map<String, List<String>> clientUrlsByPeer) {
    this.peer = Objects.requireNonNull(peer, "peer");
    this.clientUrlsByPeer = Map.copyOf(clientUrlsByPeer);
    this.memberId = memberId(peer.id());
    StringBuilder members = new StringBuilder();
    peer.members().stream().map(PeerAddress::id).sorted().forEach(id -> members.append(id).append(','));
    this.clusterId = hash("cluster:" + members);
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
    return clusterId;
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
    List<Member> members = new ArrayList<>();
    for (PeerAddress address : peer.members()) {
      members.add(Member.newBuilder()
          .setID(memberId(address.id()))
          .setName(address.id())
          .addPeerURLs("http://" + address.address())
          .addAllClientURLs(clientUrlsByPeer.getOrDefault(address.id(), List.of()))
          .build());
    }
    return members;
  }
}
