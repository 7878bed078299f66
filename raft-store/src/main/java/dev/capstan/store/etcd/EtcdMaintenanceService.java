package dev.capstan.store.etcd;

import com.google.protobuf.ByteString;
import dev.capstan.etcd.etcdserverpb.MaintenanceGrpc;
import dev.capstan.etcd.etcdserverpb.ResponseHeader;
import dev.capstan.etcd.etcdserverpb.SnapshotRequest;
import dev.capstan.etcd.etcdserverpb.SnapshotResponse;
import dev.capstan.etcd.etcdserverpb.StatusRequest;
import dev.capstan.etcd.etcdserverpb.StatusResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * etcd's Maintenance service: Status reports this member's view (version, data size, leader, Raft
 * term and indexes); Snapshot streams this member's copy of the data, as applied so far, in the
 * store's own snapshot format (not etcd's bbolt file: {@code etcdctl snapshot status} and
 * {@code restore} cannot read it; {@code capstan store snapshot save} writes it to a file and
 * {@code capstan store snapshot restore} makes a new cluster from it).
 * Everything else (Defragment, Alarm, ...) answers UNIMPLEMENTED.
 */
public final class EtcdMaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {

  /** The etcd API version this endpoint speaks; etcdctl prints it in {@code endpoint status}. */
  public static final String VERSION = "3.4.0";
  /** Snapshot bytes per streamed message, as etcd sends them. */
  static final int SNAPSHOT_CHUNK_BYTES = 32 * 1024;

  /** Writes a consistent copy of the local data and says at which revision it was taken. */
  @FunctionalInterface
  public interface SnapshotWriter {
    long writeSnapshot(OutputStream out) throws IOException;
  }

  private final EtcdClusterInfo cluster;
  private final LongSupplier revision;
  private final SnapshotWriter snapshots;

  /**
   * @param revision the local store's current revision, for response headers
   * @param snapshots where Snapshot gets its data; null answers UNIMPLEMENTED
   */
  public EtcdMaintenanceService(EtcdClusterInfo cluster, LongSupplier revision, SnapshotWriter snapshots) {
    this.cluster = Objects.requireNonNull(cluster, "cluster");
    this.revision = Objects.requireNonNull(revision, "revision");
    this.snapshots = snapshots;
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

  /**
   * The whole local copy, taken at once (the store is held still while it is written, into
   * memory: the store is in memory too, so this at most doubles it), then sent in chunks whose
   * {@code remaining_bytes} count down to 0, only as fast as the client reads them. The first
   * chunk's header carries the revision.
   */
  @Override
  public void snapshot(SnapshotRequest request, StreamObserver<SnapshotResponse> observer) {
    if (snapshots == null) {
      super.snapshot(request, observer);
      return;
    }
    ByteString.Output copy = ByteString.newOutput();
    long at;
    try {
      at = snapshots.writeSnapshot(copy);
    } catch (IOException | RuntimeException e) {
      observer.onError(Status.UNAVAILABLE.withDescription("etcdserver: snapshot failed: " + e.getMessage())
          .withCause(e).asRuntimeException());
      return;
    }
    ChunkSender sender = new ChunkSender((ServerCallStreamObserver<SnapshotResponse>) observer, copy.toByteString(),
        cluster.header(at));
    sender.server.setOnReadyHandler(sender::sendWhileReady);
    sender.sendWhileReady();
  }

  /** Sends a snapshot's chunks while the call can take more, and resumes when it can again. */
  private static final class ChunkSender {
    private final ServerCallStreamObserver<SnapshotResponse> server;
    private final ByteString data;
    private final ResponseHeader header;
    private int offset;
    private boolean done;

    ChunkSender(ServerCallStreamObserver<SnapshotResponse> server, ByteString data, ResponseHeader header) {
      this.server = server;
      this.data = data;
      this.header = header;
    }

    synchronized void sendWhileReady() {
      while (!done && server.isReady() && !server.isCancelled()) {
        int length = Math.min(SNAPSHOT_CHUNK_BYTES, data.size() - offset);
        SnapshotResponse.Builder chunk = SnapshotResponse.newBuilder()
            .setBlob(data.substring(offset, offset + length))
            .setRemainingBytes(data.size() - offset - length);
        if (offset == 0) {
          chunk.setHeader(header);
        }
        server.onNext(chunk.build());
        offset += length;
        if (offset >= data.size()) {
          done = true;
          server.onCompleted();
        }
      }
    }
  }
}
