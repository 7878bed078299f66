package dev.capstan.store.etcd;

import dev.capstan.etcd.etcdserverpb.ClusterGrpc;
import dev.capstan.etcd.etcdserverpb.MemberListRequest;
import dev.capstan.etcd.etcdserverpb.MemberListResponse;
import io.grpc.stub.StreamObserver;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * etcd's Cluster service: MemberList answers the Raft group's members with their peer and client
 * URLs. Membership changes (MemberAdd, ...) are not offered and answer UNIMPLEMENTED.
 */
public final class EtcdClusterService extends ClusterGrpc.ClusterImplBase {

  private final EtcdClusterInfo cluster;
  private final LongSupplier revision;

  /** @param revision the local store's current revision, for response headers */
  public EtcdClusterService(EtcdClusterInfo cluster, LongSupplier revision) {
    this.cluster = Objects.requireNonNull(cluster, "cluster");
    this.revision = Objects.requireNonNull(revision, "revision");
  }

  @Override
  public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> observer) {
    observer.onNext(MemberListResponse.newBuilder().setHeader(cluster.header(revision.getAsLong()))
        .addAllMembers(cluster.members()).build());
    observer.onCompleted();
  }
}
