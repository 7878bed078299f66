package dev.capstan.store.etcd;

import dev.capstan.etcd.etcdserverpb.CompactionRequest;
import dev.capstan.etcd.etcdserverpb.CompactionResponse;
import dev.capstan.etcd.etcdserverpb.DeleteRangeRequest;
import dev.capstan.etcd.etcdserverpb.DeleteRangeResponse;
import dev.capstan.etcd.etcdserverpb.KVGrpc;
import dev.capstan.etcd.etcdserverpb.PutRequest;
import dev.capstan.etcd.etcdserverpb.PutResponse;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.etcd.etcdserverpb.RangeResponse;
import dev.capstan.etcd.etcdserverpb.TxnRequest;
import dev.capstan.etcd.etcdserverpb.TxnResponse;
import dev.capstan.store.KeyValueStore;
import io.grpc.stub.StreamObserver;
import java.util.Objects;

/**
 * etcd's KV service over a {@link KeyValueStore}: Range, Put, DeleteRange, Txn and Compact with
 * the store's semantics, each response's header stamped with this member's cluster ID, member ID
 * and Raft term. Failures are etcd's gRPC statuses ({@link EtcdGrpcErrors}).
 */
public final class EtcdKvService extends KVGrpc.KVImplBase {

  private final KeyValueStore store;
  private final EtcdClusterInfo cluster;

  public EtcdKvService(KeyValueStore store, EtcdClusterInfo cluster) {
    this.store = Objects.requireNonNull(store, "store");
    this.cluster = Objects.requireNonNull(cluster, "cluster");
  }

  @Override
  public void range(RangeRequest request, StreamObserver<RangeResponse> observer) {
    UnaryReplies.reply(store.range(request),
        r -> r.toBuilder().setHeader(cluster.header(r.getHeader().getRevision())).build(), observer);
  }

  @Override
  public void put(PutRequest request, StreamObserver<PutResponse> observer) {
    UnaryReplies.reply(store.put(request),
        r -> r.toBuilder().setHeader(cluster.header(r.getHeader().getRevision())).build(), observer);
  }

  @Override
  public void deleteRange(DeleteRangeRequest request, StreamObserver<DeleteRangeResponse> observer) {
    UnaryReplies.reply(store.deleteRange(request),
        r -> r.toBuilder().setHeader(cluster.header(r.getHeader().getRevision())).build(), observer);
  }

  @Override
  public void txn(TxnRequest request, StreamObserver<TxnResponse> observer) {
    UnaryReplies.reply(store.txn(request),
        r -> r.toBuilder().setHeader(cluster.header(r.getHeader().getRevision())).build(), observer);
  }

  @Override
  public void compact(CompactionRequest request, StreamObserver<CompactionResponse> observer) {
    UnaryReplies.reply(store.compact(request),
        r -> r.toBuilder().setHeader(cluster.header(r.getHeader().getRevision())).build(), observer);
  }
}
