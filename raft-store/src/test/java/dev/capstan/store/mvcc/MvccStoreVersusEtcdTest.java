package dev.capstan.store.mvcc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import dev.capstan.etcd.etcdserverpb.CompactionRequest;
import dev.capstan.etcd.etcdserverpb.CompactionResponse;
import dev.capstan.etcd.etcdserverpb.DeleteRangeResponse;
import dev.capstan.etcd.etcdserverpb.PutRequest;
import dev.capstan.etcd.etcdserverpb.PutResponse;
import dev.capstan.etcd.etcdserverpb.RangeResponse;
import dev.capstan.etcd.etcdserverpb.RequestOp;
import dev.capstan.etcd.etcdserverpb.ResponseHeader;
import dev.capstan.etcd.etcdserverpb.TxnRequest;
import dev.capstan.etcd.etcdserverpb.TxnResponse;
import dev.capstan.etcd.etcdserverpb.WatchCreateRequest;
import dev.capstan.etcd.mvccpb.Event;
import dev.capstan.store.StoreException;
import dev.capstan.store.StoreWatchListener;
import dev.capstan.store.local.LocalKeyValueStore;
import dev.capstan.store.remote.EtcdKeyValueStore;
import dev.capstan.store.remote.EtcdProcess;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.awaitility.Awaitility;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The same random request sequences (fixed seeds) sent to the Capstan store and to a fresh real
 * etcd 3.4: every response and every error must be identical, revisions included, since both
 * start empty at revision 1, and so must the events of a watch on everything, live from the
 * start and replayed at the end from the oldest revision compaction left. This finds divergences
 * no hand-written case thought of; the conformance suite then pins each one down by name.
 *
 * <p>Requests carry no lease ids: the Capstan store has no leases yet, and etcd refuses ids it
 * never granted (a known divergence). Headers are compared on the revision only (etcd also sends
 * its cluster and member ids and raft term).
 */
class MvccStoreVersusEtcdTest {

  private static final int STEPS = 500;
  private static final com.google.protobuf.ByteString ALL = com.google.protobuf.ByteString.copyFrom(new byte[] {0});

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3})
  void capstanAnswersEveryRequestAsEtcdDoes(long seed) throws Exception {
    ReferenceKv model = new ReferenceKv(); // only drives the generator's choice of revisions
    RandomRequests random = new RandomRequests(seed, model);
    try (EtcdProcess etcdProcess = EtcdProcess.start();
        EtcdKeyValueStore etcd = new EtcdKeyValueStore(List.of(etcdProcess.endpoint()));
        LocalKeyValueStore capstan = new LocalKeyValueStore(Runnable::run)) {
      Events etcdLive = new Events();
      Events capstanLive = new Events();
      etcd.watch(everything(0), etcdLive);
      capstan.watch(everything(0), capstanLive);
      for (int step = 0; step < STEPS; step++) {
        int dice = random.nextInt(100);
        if (dice < 30) {
          PutRequest request = withoutLease(random.put());
          same(seed, step, request, () -> etcd.put(request), () -> capstan.put(request),
              () -> model.put(request));
        } else if (dice < 45) {
          var request = random.delete();
          same(seed, step, request, () -> etcd.deleteRange(request), () -> capstan.deleteRange(request),
              () -> model.deleteRange(request));
        } else if (dice < 72) {
          TxnRequest request = withoutLeases(random.txn(0));
          if (deletesToTheEnd(request)) {
            // etcd 3.4 panics (and dies) on an ignore_value put after a delete of its key in one
            // txn, which only a delete to the end lets through; the Capstan store refuses it.
            request = withoutIgnoreFlags(request);
          }
          TxnRequest txn = request;
          same(seed, step, txn, () -> etcd.txn(txn), () -> capstan.txn(txn), () -> model.txn(txn));
        } else if (dice < 97) {
          var request = random.range();
          same(seed, step, request, () -> etcd.range(request), () -> capstan.range(request), () -> null);
        } else {
          // physical: etcd answers once old revisions are gone, so what a watch replays is settled.
          CompactionRequest request = CompactionRequest.newBuilder()
              .setRevision(Math.max(1, model.revision() - 5 - random.nextInt(30))).setPhysical(true).build();
          same(seed, step, request, () -> etcd.compact(request), () -> capstan.compact(request),
              () -> model.compact(request));
        }
      }
      // Every revision's events, live and replayed from the oldest revision left, with prev_kv.
      long last = model.revision();
      etcdLive.awaitRevision(last);
      assertThat(capstanLive.batches).as("seed %d live watch", seed).isEqualTo(etcdLive.batches);
      long oldest = Math.max(1, model.compactRevision());
      Events etcdReplay = new Events();
      Events capstanReplay = new Events();
      etcd.watch(everything(oldest), etcdReplay);
      capstan.watch(everything(oldest), capstanReplay);
      etcdReplay.awaitRevision(last);
      assertThat(capstanReplay.batches).as("seed %d watch from %d", seed, oldest).isEqualTo(etcdReplay.batches);
    }
  }

  private static WatchCreateRequest everything(long startRevision) {
    return WatchCreateRequest.newBuilder().setKey(ALL).setRangeEnd(ALL).setStartRevision(startRevision)
        .setPrevKv(true).build();
  }

  /** A watch's deliveries, as "revision: events". */
  private static final class Events implements StoreWatchListener {
    final List<String> batches = new CopyOnWriteArrayList<>();
    volatile long lastRevision;
    volatile Throwable failure;

    @Override
    public void onEvents(long revision, List<Event> events) {
      batches.add(revision + ": " + events);
      lastRevision = revision;
    }

    @Override
    public void onCompacted(long compactRevision) {
      failure = new AssertionError("compacted at " + compactRevision);
    }

    @Override
    public void onError(Throwable error) {
      failure = error;
    }

    void awaitRevision(long revision) {
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> failure != null || lastRevision >= revision);
      assertThat(failure).isNull();
    }
  }

  /** Sends one request to both stores, compares the outcomes, and applies it to the model if it succeeded. */
  private static void same(long seed, int step, Message request, Supplier<CompletableFuture<? extends Message>> etcd,
      Supplier<CompletableFuture<? extends Message>> capstan, Supplier<?> model) {
    Object expected = outcome(etcd.get());
    Object actual = outcome(capstan.get());
    assertThat(actual).as("seed %d step %d: %s", seed, step, request).isEqualTo(expected);
    if (!(expected instanceof String)) {
      model.get();
    }
  }

  /** The response with its header reduced to the revision, or "CODE: message" for a failure. */
  private static Object outcome(CompletableFuture<? extends Message> future) {
    try {
      return normalized(future.orTimeout(30, TimeUnit.SECONDS).join());
    } catch (CompletionException e) {
      if (e.getCause() instanceof StoreException failure) {
        return failure.code() + ": " + failure.getMessage();
      }
      throw e;
    }
  }

  private static Message normalized(Message response) {
    UnaryOperator<ResponseHeader> revisionOnly =
        header -> ResponseHeader.newBuilder().setRevision(header.getRevision()).build();
    if (response instanceof RangeResponse range) {
      return range.toBuilder().setHeader(revisionOnly.apply(range.getHeader())).build();
    }
    if (response instanceof PutResponse put) {
      return put.toBuilder().setHeader(revisionOnly.apply(put.getHeader())).build();
    }
    if (response instanceof DeleteRangeResponse delete) {
      return delete.toBuilder().setHeader(revisionOnly.apply(delete.getHeader())).build();
    }
    if (response instanceof TxnResponse txn) {
      return txn.toBuilder().setHeader(revisionOnly.apply(txn.getHeader())).build();
    }
    if (response instanceof CompactionResponse compaction) {
      return compaction.toBuilder().setHeader(revisionOnly.apply(compaction.getHeader())).build();
    }
    return response;
  }

  private static boolean deletesToTheEnd(TxnRequest txn) {
    return java.util.stream.Stream.concat(txn.getSuccessList().stream(), txn.getFailureList().stream())
        .anyMatch(op -> (op.hasRequestDeleteRange() && op.getRequestDeleteRange().getRangeEnd().equals(ALL))
            || (op.hasRequestTxn() && deletesToTheEnd(op.getRequestTxn())));
  }

  private static TxnRequest withoutIgnoreFlags(TxnRequest txn) {
    TxnRequest.Builder builder = txn.toBuilder().clearSuccess().clearFailure();
    txn.getSuccessList().forEach(op -> builder.addSuccess(withoutIgnoreFlags(op)));
    txn.getFailureList().forEach(op -> builder.addFailure(withoutIgnoreFlags(op)));
    return builder.build();
  }

  private static RequestOp withoutIgnoreFlags(RequestOp op) {
    if (op.hasRequestPut()) {
      return op.toBuilder().setRequestPut(op.getRequestPut().toBuilder()
          .clearIgnoreValue().clearIgnoreLease()).build();
    }
    if (op.hasRequestTxn()) {
      return op.toBuilder().setRequestTxn(withoutIgnoreFlags(op.getRequestTxn())).build();
    }
    return op;
  }

  private static PutRequest withoutLease(PutRequest put) {
    return put.toBuilder().clearLease().build();
  }

  private static TxnRequest withoutLeases(TxnRequest txn) {
    TxnRequest.Builder builder = txn.toBuilder().clearSuccess().clearFailure();
    txn.getSuccessList().forEach(op -> builder.addSuccess(withoutLeases(op)));
    txn.getFailureList().forEach(op -> builder.addFailure(withoutLeases(op)));
    return builder.build();
  }

  private static RequestOp withoutLeases(RequestOp op) {
    if (op.hasRequestPut()) {
      return op.toBuilder().setRequestPut(withoutLease(op.getRequestPut())).build();
    }
    if (op.hasRequestTxn()) {
      return op.toBuilder().setRequestTxn(withoutLeases(op.getRequestTxn())).build();
    }
    return op;
  }
}
