package dev.capstan.store.local;

import static dev.capstan.store.EtcdRequests.get;
import static dev.capstan.store.EtcdRequests.put;
import static dev.capstan.store.EtcdRequests.watchPrefix;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.etcd.etcdserverpb.CompactionRequest;
import dev.capstan.etcd.etcdserverpb.PutRequest;
import dev.capstan.etcd.mvccpb.Event;
import dev.capstan.store.StoreException;
import dev.capstan.store.StoreWatchListener;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class LocalKeyValueStoreTest {

  private static final class Collector implements StoreWatchListener {
    final List<Long> revisions = new CopyOnWriteArrayList<>();
    final List<Long> progress = new CopyOnWriteArrayList<>();
    volatile Throwable error;

    @Override
    public void onEvents(long revision, List<Event> events) {
      revisions.add(revision);
    }

    @Override
    public void onProgress(long revision) {
      progress.add(revision);
    }

    @Override
    public void onCompacted(long compactRevision) {}

    @Override
    public void onError(Throwable error) {
      this.error = error;
    }
  }

  private static StoreException failureOf(CompletableFuture<?> future) {
    assertThat(future).isCompletedExceptionally();
    try {
      future.get();
      throw new AssertionError("expected a failure");
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(StoreException.class);
      return (StoreException) e.getCause();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void answersWithEtcdSemanticsAndCompletesBeforeReturning() {
    try (LocalKeyValueStore store = new LocalKeyValueStore()) {
      CompletableFuture<?> put = store.put(put("a", "1"));
      assertThat(put).isCompleted();
      assertThat(store.range(get("a")).join().getKvs(0).getModRevision()).isEqualTo(2);
      assertThat(store.mvccStore().revision()).isEqualTo(2);

      StoreException missing = failureOf(store.put(PutRequest.newBuilder()
          .setKey(com.google.protobuf.ByteString.copyFromUtf8("b")).setIgnoreValue(true).build()));
      assertThat(missing).hasMessage("etcdserver: key not found");
      StoreException future = failureOf(store.compact(CompactionRequest.newBuilder().setRevision(5).build()));
      assertThat(future.code()).isEqualTo(StoreException.Code.FUTURE_REVISION);
    }
  }

  @Test
  void watchesDeliverOnTheStoresOwnThreadAndEndWhenItCloses() {
    LocalKeyValueStore store = new LocalKeyValueStore();
    Collector collector = new Collector();
    store.watch(watchPrefix("/p/", 0).toBuilder().setProgressNotify(true).build(), collector);
    store.put(put("/p/a", "1"));
    store.put(put("/q/a", "1"));
    store.put(put("/p/b", "1"));
    await().atMost(Duration.ofSeconds(5)).until(() -> collector.revisions.size() == 2);
    assertThat(collector.revisions).containsExactly(2L, 4L);

    store.notifyProgress();
    await().atMost(Duration.ofSeconds(5)).until(() -> collector.progress.contains(4L));

    store.close();
    await().atMost(Duration.ofSeconds(5)).until(() -> collector.error != null);
    assertThat(((StoreException) collector.error).code()).isEqualTo(StoreException.Code.UNAVAILABLE);
    assertThat(failureOf(store.range(get("a"))).code()).isEqualTo(StoreException.Code.UNAVAILABLE);
  }

  @Test
  void anInlineExecutorDeliversBeforeTheWriteReturns() {
    try (LocalKeyValueStore store = new LocalKeyValueStore(Runnable::run)) {
      Collector collector = new Collector();
      store.watch(watchPrefix("/p/", 0), collector);
      store.put(put("/p/a", "1"));
      assertThat(collector.revisions).containsExactly(2L);
    }
  }
}
