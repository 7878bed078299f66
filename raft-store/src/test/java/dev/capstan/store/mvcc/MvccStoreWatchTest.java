package dev.capstan.store.mvcc;

import static dev.capstan.store.EtcdRequests.bytes;
import static dev.capstan.store.EtcdRequests.delete;
import static dev.capstan.store.EtcdRequests.op;
import static dev.capstan.store.EtcdRequests.put;
import static dev.capstan.store.EtcdRequests.watchPrefix;
import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.etcd.etcdserverpb.CompactionRequest;
import dev.capstan.etcd.etcdserverpb.TxnRequest;
import dev.capstan.etcd.etcdserverpb.WatchCreateRequest;
import dev.capstan.etcd.mvccpb.Event;
import dev.capstan.store.StoreException;
import dev.capstan.store.StoreWatch;
import dev.capstan.store.StoreWatchListener;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

/** Watches on {@link MvccStore}, driven by an executor the test runs by hand. */
class MvccStoreWatchTest {

  /** Runs queued tasks only when told to, so a test controls when listeners see anything. */
  static final class ManualExecutor implements Executor {
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

    @Override
    public void execute(Runnable task) {
      tasks.add(task);
    }

    void runAll() {
      while (!tasks.isEmpty()) {
        tasks.poll().run();
      }
    }
  }

  static final class Recorder implements StoreWatchListener {
    final List<Long> revisions = new ArrayList<>();
    final List<Event> events = new ArrayList<>();
    final List<Long> progress = new ArrayList<>();
    long compacted = -1;
    Throwable error;

    @Override
    public void onEvents(long revision, List<Event> batch) {
      revisions.add(revision);
      events.addAll(batch);
    }

    @Override
    public void onProgress(long revision) {
      progress.add(revision);
    }

    @Override
    public void onCompacted(long compactRevision) {
      compacted = compactRevision;
    }

    @Override
    public void onError(Throwable error) {
      this.error = error;
    }

    List<String> values() {
      return events.stream().map(e -> e.getType() == Event.EventType.DELETE
          ? "-" + e.getKv().getKey().toStringUtf8()
          : e.getKv().getKey().toStringUtf8() + "=" + e.getKv().getValue().toStringUtf8()).toList();
    }
  }

  private final ManualExecutor executor = new ManualExecutor();
  private final MvccStore store = new MvccStore(executor, 3);

  @Test
  void aLiveWatchSeesOnlyItsRangeOneCallbackPerRevision() {
    Recorder recorder = new Recorder();
    store.watch(watchPrefix("/pods/", 0), recorder);
    store.put(put("/pods/a", "1"));
    store.put(put("/nodes/n", "1"));
    store.txn(TxnRequest.newBuilder().addSuccess(op(put("/pods/b", "1"))).addSuccess(op(put("/pods/c", "1"))).build());
    store.deleteRange(delete("/pods/a"));
    assertThat(recorder.events).as("nothing is delivered until the executor runs").isEmpty();

    executor.runAll();
    assertThat(recorder.revisions).containsExactly(2L, 4L, 5L);
    assertThat(recorder.values()).containsExactly("/pods/a=1", "/pods/b=1", "/pods/c=1", "-/pods/a");
  }

  @Test
  void aWatchFromAPastRevisionReplaysHistoryThenGoesLiveWithoutGapsOrRepeats() {
    store.put(put("/k/a", "1"));
    store.put(put("/k/a", "2"));
    store.put(put("/k/b", "1"));
    Recorder recorder = new Recorder();
    store.watch(watchPrefix("/k/", 3), recorder);
    store.put(put("/k/c", "1"));
    executor.runAll();
    store.put(put("/k/d", "1"));
    executor.runAll();
    assertThat(recorder.revisions).containsExactly(3L, 4L, 5L, 6L);
    assertThat(recorder.values()).containsExactly("/k/a=2", "/k/b=1", "/k/c=1", "/k/d=1");
  }

  @Test
  void prevKvIsSentOnlyWhenAskedFor() {
    store.put(put("k", "1"));
    Recorder plain = new Recorder();
    Recorder withPrev = new Recorder();
    store.watch(WatchCreateRequest.newBuilder().setKey(bytes("k")).build(), plain);
    store.watch(WatchCreateRequest.newBuilder().setKey(bytes("k")).setPrevKv(true).build(), withPrev);
    store.put(put("k", "2"));
    store.deleteRange(delete("k"));
    executor.runAll();
    assertThat(plain.events).noneMatch(Event::hasPrevKv);
    assertThat(withPrev.events).extracting(e -> e.getPrevKv().getValue().toStringUtf8()).containsExactly("1", "2");
  }

  @Test
  void filtersDropPutsOrDeletes() {
    Recorder noPut = new Recorder();
    Recorder noDelete = new Recorder();
    store.watch(WatchCreateRequest.newBuilder().setKey(bytes("k"))
        .addFilters(WatchCreateRequest.FilterType.NOPUT).build(), noPut);
    store.watch(WatchCreateRequest.newBuilder().setKey(bytes("k"))
        .addFilters(WatchCreateRequest.FilterType.NODELETE).build(), noDelete);
    store.put(put("k", "1"));
    store.deleteRange(delete("k"));
    executor.runAll();
    assertThat(noPut.values()).containsExactly("-k");
    assertThat(noPut.revisions).containsExactly(3L);
    assertThat(noDelete.values()).containsExactly("k=1");
  }

  @Test
  void aStartBelowTheCompactedRevisionEndsTheWatch() {
    store.put(put("k", "1"));
    store.put(put("k", "2"));
    store.compact(CompactionRequest.newBuilder().setRevision(3).build());
    Recorder recorder = new Recorder();
    store.watch(WatchCreateRequest.newBuilder().setKey(bytes("k")).setStartRevision(2).build(), recorder);
    executor.runAll();
    assertThat(recorder.compacted).isEqualTo(3);
    assertThat(recorder.events).isEmpty();
    assertThat(store.watchCount()).isZero();

    Recorder atCompaction = new Recorder();
    store.watch(WatchCreateRequest.newBuilder().setKey(bytes("k")).setStartRevision(3).build(), atCompaction);
    executor.runAll();
    assertThat(atCompaction.values()).containsExactly("k=2");
  }

  @Test
  void aSlowWatchFallsBackToHistoryAndStillSeesEveryRevisionInOrder() {
    Recorder recorder = new Recorder();
    store.watch(watchPrefix("/s/", 0), recorder);
    for (int i = 0; i < 10; i++) {
      store.put(put("/s/" + i, "v"));
    }
    // The queue bound is 3, so most of these were dropped and must come back from history.
    executor.runAll();
    assertThat(recorder.revisions).containsExactlyElementsOf(
        java.util.stream.LongStream.rangeClosed(2, 11).boxed().toList());
    store.put(put("/s/live", "v"));
    executor.runAll();
    assertThat(recorder.revisions).endsWith(12L);
  }

  @Test
  void aSlowWatchWhoseHistoryIsCompactedAwayEndsAsCompacted() {
    Recorder recorder = new Recorder();
    store.watch(watchPrefix("/s/", 0), recorder);
    for (int i = 0; i < 10; i++) {
      store.put(put("/s/" + i, "v"));
    }
    store.compact(CompactionRequest.newBuilder().setRevision(8).build());
    executor.runAll();
    // The queue overflowed at revision 5 and was dropped; replay from 2 is no longer possible.
    assertThat(recorder.compacted).isEqualTo(8);
    assertThat(recorder.revisions).isEmpty();
  }

  @Test
  void closingAWatchStopsDelivery() {
    Recorder recorder = new Recorder();
    StoreWatch watch = store.watch(WatchCreateRequest.newBuilder().setKey(bytes("k")).build(), recorder);
    store.put(put("k", "1"));
    watch.close();
    store.put(put("k", "2"));
    executor.runAll();
    assertThat(recorder.events).isEmpty();
    assertThat(store.watchCount()).isZero();
  }

  @Test
  void closingTheStoreEndsWatchesWithUnavailable() {
    Recorder recorder = new Recorder();
    store.watch(WatchCreateRequest.newBuilder().setKey(bytes("k")).build(), recorder);
    store.put(put("k", "1"));
    store.close();
    executor.runAll();
    assertThat(recorder.values()).containsExactly("k=1");
    assertThat(recorder.error).isInstanceOfSatisfying(StoreException.class,
        e -> assertThat(e.code()).isEqualTo(StoreException.Code.UNAVAILABLE));
  }

  @Test
  void progressGoesOnlyToIdleWatchesThatAskedForIt() {
    Recorder asked = new Recorder();
    Recorder notAsked = new Recorder();
    store.watch(WatchCreateRequest.newBuilder().setKey(bytes("k")).setProgressNotify(true).build(), asked);
    store.watch(WatchCreateRequest.newBuilder().setKey(bytes("k")).build(), notAsked);
    store.put(put("other", "1"));
    store.notifyProgress();
    executor.runAll();
    assertThat(asked.progress).containsExactly(2L);
    assertThat(notAsked.progress).isEmpty();
  }

  @Test
  void aRestoreReplaysTheNewStatesHistoryToExistingWatches() throws IOException {
    MvccStore leader = new MvccStore(Runnable::run);
    leader.put(put("k", "1"));
    leader.put(put("k", "2"));
    leader.put(put("k", "3"));
    ByteArrayOutputStream snapshot = new ByteArrayOutputStream();
    leader.writeSnapshot(snapshot);

    Recorder recorder = new Recorder();
    store.watch(WatchCreateRequest.newBuilder().setKey(bytes("k")).build(), recorder);
    store.put(put("k", "1"));
    executor.runAll();
    store.restore(new ByteArrayInputStream(snapshot.toByteArray()));
    executor.runAll();
    assertThat(recorder.revisions).containsExactly(2L, 3L, 4L);
    assertThat(recorder.values()).containsExactly("k=1", "k=2", "k=3");
  }

  @Test
  void aWatchFromAFutureRevisionWaitsForIt() {
    Recorder recorder = new Recorder();
    store.watch(WatchCreateRequest.newBuilder().setKey(bytes("k")).setStartRevision(4).build(), recorder);
    store.put(put("k", "1"));
    store.put(put("k", "2"));
    store.put(put("k", "3"));
    executor.runAll();
    assertThat(recorder.revisions).containsExactly(4L);
  }

  @Test
  void aThrowingListenerDoesNotStopItsWatch() {
    List<Long> seen = new ArrayList<>();
    store.watch(WatchCreateRequest.newBuilder().setKey(bytes("k")).build(), new StoreWatchListener() {
      @Override
      public void onEvents(long revision, List<Event> events) {
        seen.add(revision);
        throw new IllegalStateException("listener bug");
      }

      @Override
      public void onCompacted(long compactRevision) {}

      @Override
      public void onError(Throwable error) {}
    });
    store.put(put("k", "1"));
    store.put(put("k", "2"));
    executor.runAll();
    assertThat(seen).containsExactly(2L, 3L);
  }
}
