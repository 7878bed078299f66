package dev.capstan.store.etcd;

import dev.capstan.etcd.etcdserverpb.MaintenanceGrpc;
import dev.capstan.etcd.etcdserverpb.StatusRequest;
import dev.capstan.etcd.etcdserverpb.StatusResponse;
import io.grpc.stub.StreamObserver;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * etcd's Maintenance service: Status reports this member's view (version, data size, leader, Raft
 * term and indexes). Everything else (Defragment, Alarm, Snapshot, ...) answers UNIMPLEMENTED.
 */
public final class EtcdMaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {

  /** The etcd API version this endpoint speaks; etcdctl prints it in {@code endpoint status}. */
  public static final String VERSION = "3.4.0";

  private final EtcdClusterInfo cluster;
  private final LongSupplier revision;

  /** @param revision the local store's current revision, for response headers */
  public EtcdMaintenanceService(EtcdClusterInfo cluster, LongSupplier revision) {
    this.cluster = Objects.requireNonNull(cluster, "cluster");
    this.revision = Objects.requireNonNull(revision, "revision");
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
    long size = cluster.dbSize();
    observer.onNext(StatusResponse.newBuilder()
        .setHeader(cluster.header(revision.getAsLong()))
        .setVersion(VERSION)
        .setDbSize(size)
        .setDbSizeInUse(size)
        .setLeader(cluster.leaderId())
        .setRaftIndex(cluster.raftIndex())
        .setRaftTerm(cluster.raftTerm())
        .setRaftAppliedIndex(cluster.raftAppliedIndex())
        .build());
    observer.onCompleted();
  }
}
