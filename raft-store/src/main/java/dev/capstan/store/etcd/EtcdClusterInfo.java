package dev.capstan.store.etcd;

import dev.capstan.etcd.etcdserverpb.Member;
import dev.capstan.etcd.etcdserverpb.ResponseHeader;
import java.util.List;

/**
 * What the etcd endpoint tells clients about the replicated group behind it: the IDs and Raft
 * progress that go into every {@link ResponseHeader}, the member list and the status report.
 * Implementations answer from the local peer's view and never block on the network.
 */
public interface EtcdClusterInfo {

  long clusterId();

  /** This member's ID, as in headers and the member list. */
  long memberId();

  long raftTerm();

  /** The leader's member ID, or 0 while there is none. */
  long leaderId();

  /** The index of the last committed Raft log entry this member knows of. */
  long raftIndex();

  /** The index of the last Raft log entry this member applied. */
  long raftAppliedIndex();

  /** Approximate size of this member's copy of the data, in bytes. */
  long dbSize();

  /** Every member of the group, with its peer and client URLs. */
  List<Member> members();

  /** Whether this member was removed from the group (it then answers with an error). */
  default boolean isRemoved() {
    return false;
  }

  /** A response header stamped with this member's identity and term at {@code revision}. */
  default ResponseHeader header(long revision) {
    return ResponseHeader.newBuilder().setClusterId(clusterId()).setMemberId(memberId()).setRaftTerm(raftTerm())
        .setRevision(revision).build();
  }
}
