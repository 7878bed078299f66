package dev.capstan.store.mvcc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.capstan.etcd.etcdserverpb.LeaseGrantRequest;
import dev.capstan.etcd.etcdserverpb.CompactionRequest;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.etcd.etcdserverpb.WatchCreateRequest;
import dev.capstan.etcd.mvccpb.Event;
import dev.capstan.etcd.mvccpb.KeyValue;
import dev.capstan.store.StoreException;
import dev.capstan.store.StoreWatch;
import dev.capstan.store.StoreWatchListener;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random request sequences (fixed seeds, so failures reproduce) applied to {@link MvccStore} and
 * to {@link ReferenceKv}: every response, error, event, historical read and watch replay must
 * match. Snapshots are taken and restored along the way.
 */
class MvccStoreModelTest {

  private static final int STEPS = 1500;
  private static final ByteString ALL = ByteString.copyFrom(new byte[] {0});

  static Stream<Long> seeds() {
    return LongStream.rangeClosed(1, 16).boxed();
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void behavesLikeTheReferenceModel(long seed) throws IOException {
    ReferenceKv model = new ReferenceKv();
    RandomRequests random = new RandomRequests(seed, model);
    MvccStore store = new MvccStore(Runnable::run);
    // The random puts attach keys to leases 1..3; a lease grant changes no key, so the model
    // (which has no leases) stays comparable.
    for (long lease = 1; lease <= 3; lease++) {
      store.leaseGrant(LeaseGrantRequest.newBuilder().setID(lease).setTTL(60).build());
    }
    Recorder live = new Recorder();
    StoreWatch liveWatch = store.watch(everything(0, true), live);
    for (int step = 0; step < STEPS; step++) {
      String context = "seed " + seed + " step " + step;
      MvccStore current = store;
      int dice = random.nextInt(100);
      if (dice < 30) {
        var request = random.put();
        sameOutcome(context + " put " + request, () -> model.put(request),
            () -> current.put(request), live);
      } else if (dice < 45) {
        var request = random.delete();
        sameOutcome(context + " delete " + request, () -> model.deleteRange(request),
            () -> current.deleteRange(request), live);
      } else if (dice < 72) {
        var request = random.txn(0);
        sameOutcome(context + " txn " + request, () -> model.txn(request), () -> current.txn(request), live);
      } else if (dice < 95) {
        var request = random.range();
        sameResult(context + " range " + request, () -> model.range(request), () -> current.range(request));
      } else if (dice < 97) {
        var request = CompactionRequest.newBuilder()
            .setRevision(Math.max(1, model.revision() - 5 - random.nextInt(30))).build();
        sameOutcome(context + " compact " + request, () -> model.compact(request),
            () -> current.compact(request), live);
      } else {
        // Snapshot and restore, half the time into a fresh store, half in place.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        store.writeSnapshot(bytes);
        if (random.nextInt(2) == 0) {
          liveWatch.close();
          store = new MvccStore(Runnable::run);
          store.restore(new ByteArrayInputStream(bytes.toByteArray()));
          liveWatch = store.watch(everything(0, true), live);
        } else {
          store.restore(new ByteArrayInputStream(bytes.toByteArray()));
        }
      }
      assertThat(store.revision()).as(context).isEqualTo(model.revision());
      assertThat(store.approximateSizeBytes()).as(context + ": the size kept up to date")
          .isEqualTo(store.countSizeBytes());
      if (step % 100 == 99) {
        assertSameHistory(model, store, context);
      }
    }
    assertThat(model.compactRevision()).as("the sequence compacted").isGreaterThan(1);
    assertThat(store.keptVersionCount()).as("versions kept after compaction")
        .isEqualTo(expectedKeptVersions(model));
    assertSameHistory(model, store, "seed " + seed + " end");
    assertWatchReplays(model, store, "seed " + seed);
  }

  /** Compaction keeps every version at or after it, plus each live key's version from before. */
  private static long expectedKeptVersions(ReferenceKv model) {
    long compacted = Math.max(1, model.compactRevision());
    long kept = 0;
    for (long revision = compacted; revision <= model.revision(); revision++) {
      kept += model.eventsAt(revision).size();
    }
    for (KeyValue kv : model.stateAt(compacted).values()) {
      if (kv.getModRevision() < compacted) {
        kept++;
      }
    }
    return kept;
  }

  private static WatchCreateRequest everything(long start, boolean prevKv) {
    return WatchCreateRequest.newBuilder().setKey(ALL).setRangeEnd(ALL)
        .setStartRevision(start).setPrevKv(prevKv).build();
  }

  private static void sameOutcome(String context, Supplier<ReferenceKv.Result<?>> expected,
      Supplier<Applied<?>> actual, Recorder live) {
    Object want;
    try {
      want = expected.get();
    } catch (StoreException e) {
      want = e;
    }
    int seenBefore = live.batches.size();
    Object got;
    try {
      got = actual.get();
    } catch (StoreException e) {
      got = e;
    }
    if (want instanceof StoreException wantError) {
      assertThat(got).as(context).isInstanceOf(StoreException.class);
      StoreException gotError = (StoreException) got;
      assertThat(gotError.code()).as(context).isEqualTo(wantError.code());
      assertThat(gotError.getMessage()).as(context).isEqualTo(wantError.getMessage());
      assertThat(live.batches).as(context).hasSize(seenBefore);
      return;
    }
    assertThat(got).as(context).isInstanceOf(Applied.class);
    ReferenceKv.Result<?> wantResult = (ReferenceKv.Result<?>) want;
    Applied<?> gotResult = (Applied<?>) got;
    assertThat(gotResult.response()).as(context).isEqualTo(wantResult.response());
    assertThat(gotResult.events()).as(context).isEqualTo(wantResult.events());
    // The live watch saw exactly this request's events, in one batch.
    if (wantResult.events().isEmpty()) {
      assertThat(live.batches).as(context).hasSize(seenBefore);
    } else {
      assertThat(live.batches).as(context).hasSize(seenBefore + 1);
      assertThat(live.batches.get(seenBefore).events()).as(context).isEqualTo(wantResult.events());
    }
  }

  private static <T> void sameResult(String context, Supplier<T> expected, Supplier<T> actual) {
    Object want;
    try {
      want = expected.get();
    } catch (StoreException e) {
      want = e.code() + ": " + e.getMessage();
    }
    Object got;
    try {
      got = actual.get();
    } catch (StoreException e) {
      got = e.code() + ": " + e.getMessage();
    }
    assertThat(got).as(context).isEqualTo(want);
  }

  /** Every revision still readable must read back exactly the model's key space then. */
  private static void assertSameHistory(ReferenceKv model, MvccStore store, String context) {
    long from = Math.max(1, model.compactRevision());
    for (long revision = from; revision <= model.revision(); revision++) {
      var response = store.range(RangeRequest.newBuilder().setKey(ALL).setRangeEnd(ALL).setRevision(revision).build());
      TreeMap<ByteString, KeyValue> actual = new TreeMap<>(ReferenceKv.ORDER);
      response.getKvsList().forEach(kv -> actual.put(kv.getKey(), kv));
      assertThat(actual).as(context + " at revision " + revision).isEqualTo(model.stateAt(revision));
    }
    if (model.compactRevision() > 1) {
      long below = model.compactRevision() - 1;
      sameResult(context + " compacted read", () -> {
            throw dev.capstan.store.StoreErrors.compacted();
          },
          () -> store.range(RangeRequest.newBuilder().setKey(ALL).setRangeEnd(ALL).setRevision(below).build()));
    }
  }

  /** Watches from past revisions replay exactly the model's events (prev_kv where still kept). */
  private static void assertWatchReplays(ReferenceKv model, MvccStore store, String context) {
    long compacted = model.compactRevision();
    for (long start = Math.max(1, compacted); start <= model.revision() + 1; start += 7) {
      for (boolean prevKv : new boolean[] {true, false}) {
        Recorder recorder = new Recorder();
        try (StoreWatch ignored = store.watch(everything(start, prevKv), recorder)) {
          List<Batch> expected = new ArrayList<>();
          for (long revision = start; revision <= model.revision(); revision++) {
            List<Event> events = new ArrayList<>();
            for (Event event : model.eventsAt(revision)) {
              boolean keep = prevKv && event.hasPrevKv()
                  && (revision > compacted || event.getPrevKv().getModRevision() >= compacted);
              events.add(keep ? event : event.toBuilder().clearPrevKv().build());
            }
            if (!events.isEmpty()) {
              expected.add(new Batch(revision, events));
            }
          }
          assertThat(recorder.batches).as(context + " watch from " + start + " prevKv " + prevKv)
              .isEqualTo(expected);
          assertThat(recorder.compacted).isZero();
        }
      }
    }
    if (compacted > 1) {
      Recorder recorder = new Recorder();
      store.watch(everything(compacted - 1, false), recorder);
      assertThat(recorder.compacted).as(context + " watch below compaction").isEqualTo(compacted);
      assertThat(recorder.batches).isEmpty();
    }
  }

  record Batch(long revision, List<Event> events) {}

  /** Records deliveries; used with an inline executor, so it needs no synchronization. */
  static final class Recorder implements StoreWatchListener {
    final List<Batch> batches = new ArrayList<>();
    long compacted;
    Throwable error;

    @Override
    public void onEvents(long revision, List<Event> events) {
      batches.add(new Batch(revision, events));
    }

    @Override
    public void onCompacted(long compactRevision) {
      compacted = compactRevision;
    }

    @Override
    public void onError(Throwable error) {
      this.error = error;
    }
  }
}
