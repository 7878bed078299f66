package dev.capstan.store.ratis;

import dev.capstan.etcd.etcdserverpb.CompactionRequest;
import dev.capstan.etcd.etcdserverpb.CompactionResponse;
import dev.capstan.etcd.etcdserverpb.DeleteRangeRequest;
import dev.capstan.etcd.etcdserverpb.DeleteRangeResponse;
import dev.capstan.etcd.etcdserverpb.LeaseGrantRequest;
import dev.capstan.etcd.etcdserverpb.LeaseGrantResponse;
import dev.capstan.etcd.etcdserverpb.LeaseKeepAliveRequest;
import dev.capstan.etcd.etcdserverpb.LeaseKeepAliveResponse;
import dev.capstan.etcd.etcdserverpb.LeaseLeasesRequest;
import dev.capstan.etcd.etcdserverpb.LeaseLeasesResponse;
import dev.capstan.etcd.etcdserverpb.LeaseRevokeRequest;
import dev.capstan.etcd.etcdserverpb.LeaseRevokeResponse;
import dev.capstan.etcd.etcdserverpb.LeaseTimeToLiveRequest;
import dev.capstan.etcd.etcdserverpb.LeaseTimeToLiveResponse;
import dev.capstan.etcd.etcdserverpb.PutRequest;
import dev.capstan.etcd.etcdserverpb.PutResponse;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.etcd.etcdserverpb.RangeResponse;
import dev.capstan.etcd.etcdserverpb.RequestOp;
import dev.capstan.etcd.etcdserverpb.ResponseOp;
import dev.capstan.etcd.etcdserverpb.TxnRequest;
import dev.capstan.etcd.etcdserverpb.TxnResponse;
import dev.capstan.etcd.etcdserverpb.WatchCreateRequest;
import dev.capstan.store.KeyValueStore;
import dev.capstan.store.StoreErrors;
import dev.capstan.store.StoreException;
import dev.capstan.store.StoreWatch;
import dev.capstan.store.StoreWatchListener;
import dev.capstan.store.mvcc.MvccStore;
import dev.capstan.store.mvcc.RequestValidator;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link KeyValueStore} of a process that runs a {@link RaftStorePeer}: the apiserver beside
 * its peer.
 * <ul>
 *   <li>Writes (put, delete, writing txns, compaction) go straight into the local server when it
 *       leads, else through a Raft client to the leader wherever it is, and complete once committed and applied there and on the local peer, so
 *       that what this store reads and watches afterwards includes them.</li>
 *   <li>Linearizable reads (the default, and txns that only read) are answered from this
 *       process's copy: on the leader after a read-index check of the local server; on a follower
 *       once it has applied the last write the leader (lease-checked) reports. Serializable reads
 *       answer from the local copy at once.</li>
 *   <li>Watches are served from the local peer's applied changes, so they see every write made
 *       through any peer, in revision order.</li>
 * </ul>
 * Lease grants and revokes go through the log like writes; keep-alives and time-to-live are
 * answered by the leader, the only peer that times leases.
 * A request that cannot reach a leader within the peer's request timeout fails with
 * {@code NO_LEADER} ("etcdserver: no leader"); after {@link #close} or once the peer is closed,
 * requests fail with {@code UNAVAILABLE}. Closing this store does not close the peer.
 */
public final class RatisKeyValueStore implements KeyValueStore {

  private static final Logger LOG = LoggerFactory.getLogger(RatisKeyValueStore.class);

  /**
   * Log entries of writes on their way at once before further writes queue to share one. Two: a
   * write arriving while two entries are on their way leaves with everything else that arrived
   * meanwhile as the next entry. Raft's cost per entry (client RPC, append, replication, the commit
   * signal to followers, fsync on every peer) is mostly CPU, so few, large entries beat deep
   * pipelining (four in flight cost 0.82 ms of CPU per put against 0.49 with one over the gRPC
   * transport, bench/inprocess-writes.sh); but with only one, 16 closed-loop writers wait a whole
   * round trip for the entry ahead. Three alternated five-round runs of each on 2026-12-03
   * (bench/store-bench.sh, docs/benchmarks.md) gave 16 clients 0.99 to 1.10 of etcd's puts with two
   * against 0.82 to 1.02 with one, 64 clients 1.15 to 1.25 against 1.18 to 1.45. A lone writer
   * never waits.
   */
  private static final int MAX_ENTRIES_IN_FLIGHT = 2;
  /** Writes sharing one log entry at most (etcd's txn op limit, so apply stays short). */
  private static final int MAX_WRITES_PER_ENTRY = 128;
  /** Bytes of writes sharing one log entry, beyond which the next write waits for another. */
  private static final int MAX_ENTRY_BYTES = 1024 * 1024;

  private final RaftStorePeer peer;
  private final WriteBatcher batcher;
  /**
   * Replaced after an ordered request (a write sent to the leader) fails for good: Ratis then
   * fails every later ordered request of that client with "already closed", so a follower's store
   * would never write again after an outage that outlasted the request timeout.
   */
  private volatile RaftClient client;
  /** A follower's reads share their questions to the leader (see {@link #afterLeadersWrites}). */
  private final SharedLeaderQuery<Long> leaderWriteIndex = new SharedLeaderQuery<>(() ->
      replyOf(client.async().sendReadOnlyUnordered(StoreEnvelope.writeIndexQuery()))
          .thenApply(reply -> StoreEnvelope.parseReply(reply, StoreEnvelope::parseWriteIndex)));
  /** Identifies the requests this store hands straight to its peer's server (retry cache). */
  private final ClientId localClientId = ClientId.randomId();
  private final AtomicLong localCallIds = new AtomicLong();
  private final Duration requestTimeout;
  private volatile boolean closed;

  public RatisKeyValueStore(RaftStorePeer peer) {
    if (!peer.isStarted() || peer.isClosed()) {
      throw new IllegalArgumentException("peer " + peer.id() + " must be started (and not closed)");
    }
    this.peer = peer;
    this.requestTimeout = peer.config().tuning().requestTimeout();
    this.client = peer.newClient();
    this.batcher = new WriteBatcher(this::commitAndApply, MAX_ENTRIES_IN_FLIGHT, MAX_WRITES_PER_ENTRY,
        MAX_ENTRY_BYTES, peer.stats());
  }

  @Override
  public CompletableFuture<RangeResponse> range(RangeRequest request) {
    if (request.getSerializable()) {
      return local(() -> {
        RequestValidator.validateRange(request);
        return peer.store().range(request);
      });
    }
    return query(() -> {
      RequestValidator.validateRange(request);
      return StoreEnvelope.query(request);
    }, RangeResponse::parseFrom);
  }

  @Override
  public CompletableFuture<PutResponse> put(PutRequest request) {
    return write(() -> {
      RequestValidator.validatePut(request);
      return StoreEnvelope.command(RequestOp.newBuilder().setRequestPut(request).build());
    }, bytes -> ResponseOp.parseFrom(bytes).getResponsePut());
  }

  @Override
  public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request) {
    return write(() -> {
      RequestValidator.validateDeleteRange(request);
      return StoreEnvelope.command(RequestOp.newBuilder().setRequestDeleteRange(request).build());
    }, bytes -> ResponseOp.parseFrom(bytes).getResponseDeleteRange());
  }

  @Override
  public CompletableFuture<TxnResponse> txn(TxnRequest request) {
    if (MvccStore.isReadOnly(request)) {
      return query(() -> {
        RequestValidator.validateTxn(request);
        return StoreEnvelope.query(request);
      }, TxnResponse::parseFrom);
    }
    return write(() -> {
      RequestValidator.validateTxn(request);
      return StoreEnvelope.command(RequestOp.newBuilder().setRequestTxn(request).build());
    }, bytes -> ResponseOp.parseFrom(bytes).getResponseTxn());
  }

  @Override
  public CompletableFuture<CompactionResponse> compact(CompactionRequest request) {
    return write(() -> StoreEnvelope.command(request), CompactionResponse::parseFrom);
  }

  @Override
  public CompletableFuture<LeaseGrantResponse> leaseGrant(LeaseGrantRequest request) {
    return write(() -> StoreEnvelope.command(request), LeaseGrantResponse::parseFrom);
  }

  @Override
  public CompletableFuture<LeaseRevokeResponse> leaseRevoke(LeaseRevokeRequest request) {
    return write(() -> StoreEnvelope.command(request), LeaseRevokeResponse::parseFrom);
  }

  @Override
  public CompletableFuture<LeaseKeepAliveResponse> leaseKeepAlive(LeaseKeepAliveRequest request) {
    return onLeader(() -> StoreEnvelope.query(request), LeaseKeepAliveResponse::parseFrom);
  }

  @Override
  public CompletableFuture<LeaseTimeToLiveResponse> leaseTimeToLive(LeaseTimeToLiveRequest request) {
    return onLeader(() -> StoreEnvelope.query(request), LeaseTimeToLiveResponse::parseFrom);
  }

  @Override
  public CompletableFuture<LeaseLeasesResponse> leaseLeases() {
    return query(() -> StoreEnvelope.query(LeaseLeasesRequest.getDefaultInstance()), LeaseLeasesResponse::parseFrom);
  }

  @Override
  public StoreWatch watch(WatchCreateRequest request, StoreWatchListener listener) {
    checkOpen();
    return peer.store().watch(request, listener);
  }

  @Override
  public void close() {
    RaftClient current;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      current = client;
    }
    // Outside the monitor: closing fails the client's pending writes, whose callbacks take it
    // (renewClient) on the closing thread's behalf; holding it here deadlocked.
    closeClient(current);
  }

  // ---- plumbing ----

  private void checkOpen() {
    if (closed) {
      throw StoreErrors.unavailable("store is closed");
    }
    if (peer.isClosed()) {
      throw StoreErrors.unavailable("store peer " + peer.id() + " is closed");
    }
    if (peer.isRemoved()) {
      throw StoreErrors.memberRemoved();
    }
  }

  private <T> CompletableFuture<T> local(Supplier<T> read) {
    try {
      checkOpen();
      return CompletableFuture.completedFuture(read.get());
    } catch (StoreException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private <T> CompletableFuture<T> write(Supplier<Message> encode, StoreEnvelope.ResponseParser<T> parser) {
    return send(encode, batcher::submit, parser);
  }

  /**
   * Commits one log entry (a write or a batch of them) and completes with its reply once this
   * peer has applied it too: the leader acknowledges once it has applied the entry, and waiting
   * for the local copy gives reads and watches through this store read-your-writes, as on an
   * etcd member.
   */
  private CompletableFuture<Message> commitAndApply(Message entry) {
    return replyOf(commit(entry).thenCompose(reply ->
        reply.isSuccess() ? peer.awaitApplied(reply.getLogIndex()).thenApply(applied -> reply)
            : CompletableFuture.completedFuture(reply)));
  }

  /**
   * On the leader, a write goes straight into its server; elsewhere, or if leadership moved
   * before the entry was appended, through the Raft client to wherever the leader is.
   */
  private CompletableFuture<RaftClientReply> commit(Message message) {
    if (!peer.isLeader()) {
      return sendToLeader(message);
    }
    return submitLocally(message, RaftClientRequest.writeRequestType()).handle((reply, error) ->
        error == null && !notAppended(reply) ? CompletableFuture.completedFuture(reply) : sendToLeader(message))
        .thenCompose(reply -> reply);
  }

  /**
   * A write through the Raft client; if it fails for good or outlasts the request timeout, later
   * ones use a fresh client. The timeout counts too: Ratis keeps retrying a write past it (its
   * retry policy is longer), and every later write of that client queues behind it in order, so
   * after an outage they all failed with it when Ratis finally gave up -- even writes sent once a
   * leader was back.
   */
  private CompletableFuture<RaftClientReply> sendToLeader(Message message) {
    RaftClient sender = client;
    // thenApply: a copy, so that the timeout does not complete Ratis' own future
    return sender.async().send(message).thenApply(reply -> reply)
        .orTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete((reply, error) -> {
          if (error != null) {
            renewClient(sender);
          }
        });
  }

  private synchronized void renewClient(RaftClient failed) {
    if (closed || client != failed) {
      return;
    }
    client = peer.newClient();
    // Reads may still be on their way through the old client; let them finish or time out.
    CompletableFuture.delayedExecutor(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .execute(() -> closeClient(failed));
  }

  private void closeClient(RaftClient old) {
    try {
      old.close();
    } catch (IOException e) {
      LOG.warn("Closing a Raft client of peer {} failed", peer.id(), e);
    }
  }

  private <T> CompletableFuture<T> query(Supplier<Message> encode, StoreEnvelope.ResponseParser<T> parser) {
    return send(encode, message -> peer.isLeader() ? readIndexQuery(message) : afterLeadersWrites(message), parser);
  }

  /** Read-index on the local peer: linearizable, yet answered from this process's copy. */
  private CompletableFuture<Message> readIndexQuery(Message message) {
    return replyOf(readLocally(message, () -> client.async().sendReadOnlyUnordered(message, peer.peerId())));
  }

  /**
   * A follower's linearizable read: the leader (lease-checked) names the last write it applied,
   * which covers every acknowledged write; once this peer has applied it too, the local copy
   * answers. Ratis' own read index is the leader's commit index, which may be an entry of Ratis'
   * own that followers learn is committed only at the next heartbeat (with Ratis' commit-metadata
   * entries, which the store no longer writes (CommitSignal), that was after every write:
   * followers' reads waited up to 250 ms). Reads that arrive together share one question to the
   * leader ({@link SharedLeaderQuery}).
   */
  private CompletableFuture<Message> afterLeadersWrites(Message message) {
    CompletableFuture<Message> result = new CompletableFuture<>();
    leaderWriteIndex.ask().whenComplete((index, error) -> {
      if (error != null) {
        StoreException e = failure(error);
        if (e.code() == StoreException.Code.INTERNAL) {
          // A leader of an older version does not know the query: fall back to Ratis' read index.
          readIndexQuery(message).whenComplete((answer, failed) -> complete(result, answer, failed));
        } else {
          result.completeExceptionally(e);
        }
        return;
      }
      peer.awaitApplied(index).orTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
          .thenCompose(applied -> peer.queryLocally(message))
          .whenComplete((answer, failed) -> complete(result, answer, failed == null ? null : failure(failed)));
    });
    return result;
  }

  private static <T> void complete(CompletableFuture<T> future, T value, Throwable error) {
    if (error != null) {
      future.completeExceptionally(error);
    } else {
      future.complete(value);
    }
  }

  /** A read answered by the leader's own store: lease deadlines live only there. */
  private <T> CompletableFuture<T> onLeader(Supplier<Message> encode, StoreEnvelope.ResponseParser<T> parser) {
    return send(encode, message -> replyOf(peer.isLeader()
        ? readLocally(message, () -> client.async().sendReadOnlyUnordered(message))
        : client.async().sendReadOnlyUnordered(message)), parser);
  }

  /**
   * A read handed straight to the local server; if it fails for want of a leader or read index,
   * it is sent again through the client, which retries until the request timeout.
   */
  private CompletableFuture<RaftClientReply> readLocally(Message message,
      Supplier<CompletableFuture<RaftClientReply>> retry) {
    return leaderReady().thenCompose(ready -> submitLocally(message, RaftClientRequest.readRequestType())
        .handle((reply, error) ->
            error == null && (reply.isSuccess() || reply.getException() instanceof StateMachineException)
                ? CompletableFuture.completedFuture(reply) : retry.get())
        .thenCompose(reply -> reply));
  }

  /**
   * Completes at once unless this peer leads but has not yet applied its first entry as leader;
   * then once it has, or no longer leads (failing after the request timeout). Until then its
   * commit index may be behind writes acknowledged before it took over or restarted. Ratis makes
   * a read index wait for that in a group of several, but answers a group of one at once from
   * that commit index, which after a restart is only the snapshot's (the store writes no
   * commit-metadata entries, see CommitSignal): a read right after a restart saw the snapshot, not
   * the writes after it.
   */
  private CompletableFuture<Void> leaderReady() {
    // Asked for before the checks, so that a change in between is not missed.
    CompletableFuture<Void> change = peer.nextLeadershipEvent();
    if (!peer.isLeader() || peer.isLeaderReady()) {
      return CompletableFuture.completedFuture(null);
    }
    // A copy: the timeout must not complete the future other reads wait on.
    return change.copy().orTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private CompletableFuture<RaftClientReply> submitLocally(Message message, RaftClientRequest.Type type) {
    return peer.submitLocally(localClientId, localCallIds.incrementAndGet(), message, type, requestTimeout);
  }

  /** Whether the server refused a write before appending it, so that sending it again is safe. */
  private static boolean notAppended(RaftClientReply reply) {
    Exception e = reply.getException();
    return e instanceof NotLeaderException || e instanceof LeaderNotReadyException
        || e instanceof LeaderSteppingDownException;
  }

  private <T> CompletableFuture<T> send(Supplier<Message> encode,
      Function<Message, CompletableFuture<Message>> transport, StoreEnvelope.ResponseParser<T> parser) {
    Message message;
    try {
      checkOpen();
      message = encode.get();
    } catch (StoreException e) {
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<Message> sent;
    try {
      sent = transport.apply(message);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(failure(e));
    }
    // Completed by hand rather than thenApply, so callers see the StoreException itself.
    CompletableFuture<T> result = new CompletableFuture<>();
    sent.whenComplete((reply, error) -> {
      try {
        if (error != null) {
          throw failure(error);
        }
        result.complete(StoreEnvelope.parseReply(reply, parser));
      } catch (StoreException e) {
        result.completeExceptionally(e);
      } catch (RuntimeException e) {
        result.completeExceptionally(new StoreException(StoreException.Code.INTERNAL, "store reply failed", e));
      }
    });
    return result;
  }

  /**
   * The state machine's reply carried by a Raft reply, within the request timeout; a Raft
   * failure becomes the {@link StoreException} callers see.
   */
  private CompletableFuture<Message> replyOf(CompletableFuture<RaftClientReply> sent) {
    CompletableFuture<Message> result = new CompletableFuture<>();
    sent.orTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((reply, error) -> {
      if (error != null) {
        result.completeExceptionally(failure(error));
      } else if (!reply.isSuccess()) {
        result.completeExceptionally(failure(reply.getException()));
      } else {
        result.complete(reply.getMessage());
      }
    });
    return result;
  }

  /** A Ratis failure as the store reports it; a closed peer or store wins over the cause. */
  private StoreException failure(Throwable error) {
    if (closed || peer.isClosed()) {
      return StoreErrors.unavailable("store peer " + peer.id() + " is closed", error);
    }
    if (peer.isRemoved()) {
      return StoreErrors.memberRemoved();
    }
    return RatisFailures.toStoreException(error);
  }
}
