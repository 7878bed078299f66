package dev.capstan.store.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.capstan.etcd.etcdserverpb.PutRequest;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.store.StoreException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link IntervalCompactor} against a real etcd 3.4: two apiservers' compactors on one store take
 * turns, one compaction per round, each to the revision noted a round before.
 */
class IntervalCompactorTest {
  private static final ByteString KEY = ByteString.copyFromUtf8("/registry/configmaps/default/a");

  private EtcdProcess etcd;
  private EtcdKeyValueStore store;

  @BeforeEach
  void start() throws Exception {
    etcd = EtcdProcess.start();
    store = new EtcdKeyValueStore(List.of(etcd.endpoint()));
  }

  @AfterEach
  void stop() {
    if (store != null) {
      store.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  private long put(String value) throws Exception {
    return store.put(PutRequest.newBuilder().setKey(KEY).setValue(ByteString.copyFromUtf8(value)).build()).get()
        .getHeader().getRevision();
  }

  private StoreException.Code readAt(long revision) throws InterruptedException {
    try {
      store.range(RangeRequest.newBuilder().setKey(KEY).setRevision(revision).build()).get();
      return null;
    } catch (ExecutionException e) {
      return ((StoreException) e.getCause()).code();
    }
  }

  @Test
  void compactorsOnOneStoreCompactOncePerRoundToTheRevisionOfTheRoundBefore() throws Exception {
    IntervalCompactor a = IntervalCompactor.manual(store, Duration.ofSeconds(10));
    IntervalCompactor b = IntervalCompactor.manual(store, Duration.ofSeconds(10));
    long first = put("1");

    assertThat(a.round()).as("a first round only notes the revision").isZero();
    assertThat(b.round()).as("b lost this round to a").isZero();
    long second = put("2");
    put("3");

    long compacted = a.round();
    assertThat(compacted).isGreaterThan(first).isLessThan(second);
    assertThat(readAt(first)).isEqualTo(StoreException.Code.COMPACTED);
    assertThat(readAt(second)).isNull();

    assertThat(b.round()).as("a took this round").isZero();
    long later = put("4");
    long next = b.round();
    assertThat(next).as("b's turn, to what it noted a round before").isGreaterThan(compacted).isLessThan(later);
    assertThat(readAt(second)).isEqualTo(StoreException.Code.COMPACTED);
    assertThat(a.round()).as("b took this round").isZero();
  }

  @Test
  void anIntervalMustBePositive() {
    assertThatThrownBy(() -> IntervalCompactor.start(store, Duration.ZERO))
        .hasMessage("compaction interval must be positive, got PT0S");
  }
}
