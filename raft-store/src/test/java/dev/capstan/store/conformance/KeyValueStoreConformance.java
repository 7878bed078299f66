package dev.capstan.store.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.capstan.etcd.etcdserverpb.CompactionRequest;
import dev.capstan.etcd.etcdserverpb.Compare;
import dev.capstan.etcd.etcdserverpb.DeleteRangeRequest;
import dev.capstan.etcd.etcdserverpb.DeleteRangeResponse;
import dev.capstan.etcd.etcdserverpb.PutRequest;
import dev.capstan.etcd.etcdserverpb.PutResponse;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.etcd.etcdserverpb.RangeResponse;
import dev.capstan.etcd.etcdserverpb.RequestOp;
import dev.capstan.etcd.etcdserverpb.ResponseOp;
import dev.capstan.etcd.etcdserverpb.TxnRequest;
import dev.capstan.etcd.etcdserverpb.TxnResponse;
import dev.capstan.etcd.etcdserverpb.WatchCreateRequest;
import dev.capstan.etcd.mvccpb.Event;
import dev.capstan.etcd.mvccpb.KeyValue;
import dev.capstan.store.KeyValueStore;
import dev.capstan.store.StoreErrors;
import dev.capstan.store.StoreException;
import dev.capstan.store.StoreWatch;
import dev.capstan.store.StoreWatchListener;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;

/**
 * The {@link KeyValueStore} contract, as etcd v3 (3.4) defines it, checked against one binding.
 * Every binding (the in-process Ratis store, a remote etcd) runs this same suite through a
 * subclass, and a real etcd is the reference: where a binding and etcd disagree, the binding is
 * wrong.
 *
 * <p>Subclasses provide a backend once per class ({@link TestInstance.Lifecycle#PER_CLASS}) and
 * hand out clients of it through {@link #openStore()}; tests share that backend, so each works
 * under a key prefix of its own and asserts on revisions relative to one it captured first. Only
 * {@link #anEmptyStoreStartsAtRevisionOne} needs a backend of its own ({@link #openEmptyStore()}).
 * Sort tests avoid ties, because etcd's sort is not stable.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class KeyValueStoreConformance {

  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final AtomicInteger TESTS = new AtomicInteger();

  private final Deque<AutoCloseable> closeAfterTest = new ArrayDeque<>();
  /** The store under test, opened for each test. */
  protected KeyValueStore store;
  private String prefix;

  /** A new client of this class's shared backend; closed after each test. */
  protected abstract KeyValueStore openStore() throws Exception;

  /**
   * A client of a new backend that has never been written to. Register what must be stopped with
   * {@link #closeAfterTest}; the store itself is closed after the test.
   */
  protected abstract KeyValueStore openEmptyStore() throws Exception;

  /** Closes {@code resource} once the current test is over (last registered, first closed). */
  protected final void closeAfterTest(AutoCloseable resource) {
    closeAfterTest.push(resource);
  }

  @BeforeEach
  void openStoreForTest(TestInfo test) throws Exception {
    prefix = "/conformance/" + test.getTestMethod().orElseThrow().getName() + "-" + TESTS.incrementAndGet() + "/";
    store = openStore();
    closeAfterTest(store);
  }

  @AfterEach
  void closeTestResources() throws Exception {
    while (!closeAfterTest.isEmpty()) {
      closeAfterTest.pop().close();
    }
  }

  // ------------------------------------------------------------------------------------ revisions

  @Test
  void anEmptyStoreStartsAtRevisionOne() throws Exception {
    KeyValueStore empty = openEmptyStore();
    closeAfterTest(empty);
    RangeResponse nothing = join(empty.range(all("/")));
    assertThat(nothing.getHeader().getRevision()).isEqualTo(1);
    assertThat(nothing.getCount()).isZero();
    assertThat(join(empty.put(put("/a", "1"))).getHeader().getRevision()).isEqualTo(2);
    KeyValue a = single(empty, "/a");
    assertThat(a.getCreateRevision()).isEqualTo(2);
    assertThat(a.getModRevision()).isEqualTo(2);
    assertThat(a.getVersion()).isEqualTo(1);
  }

  @Test
  void theRevisionGrowsByOnePerRequestThatChangesSomething() {
    long start = revision();
    assertThat(write("a", "1").getHeader().getRevision()).isEqualTo(start + 1);
    assertThat(write("a", "1").getHeader().getRevision()).as("the same value again").isEqualTo(start + 2);

    DeleteRangeResponse deletedNothing = join(store.deleteRange(delete(k("missing"))));
    assertThat(deletedNothing.getDeleted()).isZero();
    assertThat(deletedNothing.getHeader().getRevision()).as("a delete of nothing").isEqualTo(start + 2);

    TxnResponse readOnly = join(store.txn(TxnRequest.newBuilder().addSuccess(op(get(k("a")))).build()));
    assertThat(readOnly.getHeader().getRevision()).as("a txn that only reads").isEqualTo(start + 2);

    TxnResponse writeNotTaken = join(store.txn(TxnRequest.newBuilder()
        .addCompare(versionIs(k("a"), Compare.CompareResult.EQUAL, 99))
        .addSuccess(op(put(k("b"), "x"))).build()));
    assertThat(writeNotTaken.getSucceeded()).isFalse();
    assertThat(writeNotTaken.getHeader().getRevision()).as("a txn whose writes did not run").isEqualTo(start + 2);

    TxnResponse deletesNothing = join(store.txn(TxnRequest.newBuilder()
        .addSuccess(op(delete(k("missing")))).build()));
    assertThat(deletesNothing.getHeader().getRevision()).as("a txn that deletes nothing").isEqualTo(start + 2);

    TxnResponse empty = join(store.txn(TxnRequest.getDefaultInstance()));
    assertThat(empty.getSucceeded()).as("an empty txn succeeds").isTrue();
    assertThat(empty.getResponsesList()).isEmpty();
    assertThat(empty.getHeader().getRevision()).isEqualTo(start + 2);

    TxnResponse three = join(store.txn(TxnRequest.newBuilder()
        .addSuccess(op(put(k("b"), "1"))).addSuccess(op(put(k("c"), "1"))).addSuccess(op(delete(k("a"))))
        .build()));
    assertThat(three.getHeader().getRevision()).as("one txn, three changes").isEqualTo(start + 3);
    assertThat(three.getResponses(0).getResponsePut().getHeader().getRevision()).isEqualTo(start + 3);
    assertThat(three.getResponses(2).getResponseDeleteRange().getHeader().getRevision()).isEqualTo(start + 3);

    DeleteRangeResponse two = join(store.deleteRange(prefixDelete(prefix)));
    assertThat(two.getDeleted()).isEqualTo(2);
    assertThat(two.getHeader().getRevision()).as("one delete of two keys").isEqualTo(start + 4);

    TxnResponse nestedWrite = join(store.txn(TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder()
        .setRequestTxn(TxnRequest.newBuilder().addSuccess(op(put(k("n"), "1"))))).build()));
    assertThat(nestedWrite.getHeader().getRevision()).as("a write inside a nested txn").isEqualTo(start + 5);
    assertThat(nestedWrite.getResponses(0).getResponseTxn().getHeader().getRevision())
        .as("etcd gives only the outermost txn response a revision").isZero();
    assertThat(revision()).isEqualTo(start + 5);
  }

  @Test
  void createRevisionModRevisionAndVersionFollowEtcdsRules() {
    long created = write("a", "1").getHeader().getRevision();
    KeyValue first = single(k("a"));
    assertThat(first.getCreateRevision()).isEqualTo(created);
    assertThat(first.getModRevision()).isEqualTo(created);
    assertThat(first.getVersion()).isEqualTo(1);
    assertThat(first.getValue()).isEqualTo(bytes("1"));
    assertThat(first.getLease()).isZero();

    long updated = write("a", "2").getHeader().getRevision();
    KeyValue second = single(k("a"));
    assertThat(second.getCreateRevision()).isEqualTo(created);
    assertThat(second.getModRevision()).isEqualTo(updated);
    assertThat(second.getVersion()).isEqualTo(2);

    long deleted = join(store.deleteRange(delete(k("a")))).getHeader().getRevision();
    assertThat(deleted).isEqualTo(updated + 1);
    assertThat(join(store.range(get(k("a")))).getKvsList()).isEmpty();

    long recreated = write("a", "3").getHeader().getRevision();
    KeyValue third = single(k("a"));
    assertThat(third.getCreateRevision()).as("a put after a delete creates the key anew").isEqualTo(recreated);
    assertThat(third.getModRevision()).isEqualTo(recreated);
    assertThat(third.getVersion()).isEqualTo(1);

    assertThat(join(store.range(at(get(k("a")), updated))).getKvs(0)).isEqualTo(second);
    assertThat(join(store.range(at(get(k("a")), deleted))).getKvsList()).isEmpty();
  }

  @Test
  void aCompletedWriteIsVisibleToSerializableReadsAtOnce() {
    for (int i = 0; i < 5; i++) {
      long written = write("a", "v" + i).getHeader().getRevision();
      RangeResponse local = join(store.range(get(k("a")).toBuilder().setSerializable(true).build()));
      assertThat(values(local)).containsExactly("a=v" + i);
      assertThat(local.getHeader().getRevision()).isGreaterThanOrEqualTo(written);
    }
  }

  // ---------------------------------------------------------------------------------------- range

  @Test
  void rangeSelectsOneKeyAPrefixAnIntervalOrEverythingFromAKey() {
    for (String key : List.of("a", "ab", "b", "c")) {
      write(key, "v-" + key);
    }
    assertThat(keys(join(store.range(get(k("a")))))).containsExactly("a");
    assertThat(keys(join(store.range(get(k("zz")))))).isEmpty();
    assertThat(keys(join(store.range(prefixRange(k("a")))))).containsExactly("a", "ab");
    assertThat(keys(join(store.range(interval(k("a"), k("c")))))).containsExactly("a", "ab", "b");
    assertThat(keys(join(store.range(interval(k("c"), k("a")))))).as("end before key").isEmpty();
    assertThat(keys(join(store.range(prefixRange(prefix))))).containsExactly("a", "ab", "b", "c");

    // "\0" as range_end: every key at or after key. Other tests' keys may follow ours, so limit.
    RangeResponse fromB = join(store.range(RangeRequest.newBuilder().setKey(bytes(k("b")))
        .setRangeEnd(ByteString.copyFrom(new byte[] {0})).setLimit(2).build()));
    assertThat(keys(fromB)).containsExactly("b", "c");
    assertThat(fromB.getCount()).isGreaterThanOrEqualTo(2);

    // Keys order as unsigned bytes: UTF-8's multi-byte 'é' (0xC3 0xA9) comes after 'z' (0x7A).
    write("u/z", "1");
    write("u/\u00e9", "1");
    write("u/A", "1");
    assertThat(keys(join(store.range(prefixRange(k("u/")))))).containsExactly("u/A", "u/z", "u/\u00e9");
    assertThat(keys(join(store.range(prefixRange(k("u/")).toBuilder()
        .setSortOrder(RangeRequest.SortOrder.DESCEND).build())))).containsExactly("u/\u00e9", "u/z", "u/A");

    RangeResponse response = join(store.range(get(k("b"))));
    assertThat(response.getKvs(0).getValue()).isEqualTo(bytes("v-b"));
    assertThat(response.getHeader().getRevision()).isEqualTo(revision());
  }

  @Test
  void rangeLimitSetsMoreAndCountCountsEveryMatch() {
    for (String key : List.of("a", "b", "c", "d", "e")) {
      write(key, "v-" + key);
    }
    RangeResponse two = join(store.range(prefixRange(prefix).toBuilder().setLimit(2).build()));
    assertThat(keys(two)).containsExactly("a", "b");
    assertThat(two.getMore()).isTrue();
    assertThat(two.getCount()).isEqualTo(5);

    RangeResponse five = join(store.range(prefixRange(prefix).toBuilder().setLimit(5).build()));
    assertThat(keys(five)).hasSize(5);
    assertThat(five.getMore()).isFalse();
    assertThat(join(store.range(prefixRange(prefix).toBuilder().setLimit(50).build())).getMore()).isFalse();

    RangeResponse countOnly = join(store.range(prefixRange(prefix).toBuilder().setCountOnly(true).build()));
    assertThat(countOnly.getKvsList()).isEmpty();
    assertThat(countOnly.getCount()).isEqualTo(5);
    assertThat(countOnly.getMore()).isFalse();
    RangeResponse countOnlyLimited = join(store.range(prefixRange(prefix).toBuilder()
        .setCountOnly(true).setLimit(2).build()));
    assertThat(countOnlyLimited.getCount()).isEqualTo(5);
    assertThat(countOnlyLimited.getKvsList()).isEmpty();

    RangeResponse keysOnly = join(store.range(prefixRange(prefix).toBuilder().setKeysOnly(true).build()));
    RangeResponse full = join(store.range(prefixRange(prefix)));
    assertThat(keysOnly.getKvsList()).allSatisfy(kv -> assertThat(kv.getValue().isEmpty()).isTrue());
    assertThat(keysOnly.getKvsList()).hasSize(5);
    for (int i = 0; i < 5; i++) {
      assertThat(keysOnly.getKvs(i)).isEqualTo(full.getKvs(i).toBuilder().clearValue().build());
    }
  }

  @Test
  void rangeAtAnOlderRevisionSeesThatRevisionAndAFutureOneFails() {
    long r1 = write("a", "1").getHeader().getRevision();
    long r2 = write("a", "2").getHeader().getRevision();
    long r3 = write("b", "1").getHeader().getRevision();
    long r4 = join(store.deleteRange(delete(k("a")))).getHeader().getRevision();

    assertThat(values(join(store.range(at(prefixRange(prefix), r1 - 1))))).isEmpty();
    assertThat(values(join(store.range(at(prefixRange(prefix), r1))))).containsExactly("a=1");
    assertThat(values(join(store.range(at(prefixRange(prefix), r2))))).containsExactly("a=2");
    assertThat(values(join(store.range(at(prefixRange(prefix), r3))))).containsExactly("a=2", "b=1");
    RangeResponse atR4 = join(store.range(at(prefixRange(prefix), r4)));
    assertThat(values(atR4)).containsExactly("b=1");
    assertThat(atR4.getHeader().getRevision()).as("the header has the current revision").isEqualTo(revision());
    RangeResponse old = join(store.range(at(prefixRange(prefix), r2)));
    assertThat(old.getHeader().getRevision()).isEqualTo(revision());
    assertThat(old.getCount()).isEqualTo(1);

    StoreException future = failure(store.range(at(get(k("a")), revision() + 1)));
    assertThat(future.code()).isEqualTo(StoreException.Code.FUTURE_REVISION);
    assertThat(future).hasMessage(StoreErrors.FUTURE_REVISION);
    assertThat(failure(store.range(at(get(k("a")), revision() + 1000))).code())
        .isEqualTo(StoreException.Code.FUTURE_REVISION);
  }

  @Test
  void rangeSortsByEveryTargetInBothOrders() {
    // Chosen so that each target orders the four keys differently, with no ties:
    // key a,b,c,d; create c,a,d,b; mod d,a,b,c; version d(1),c(2),a(3),b(4); value b,d,a,c.
    for (String key : List.of("c", "a", "d", "b", "a", "a", "b", "b", "b", "c")) {
      write(key, switch (key) {
        case "a" -> "3";
        case "b" -> "1";
        case "c" -> "4";
        default -> "2";
      });
    }
    assertSorted(RangeRequest.SortTarget.KEY, "a", "b", "c", "d");
    assertSorted(RangeRequest.SortTarget.CREATE, "c", "a", "d", "b");
    assertSorted(RangeRequest.SortTarget.MOD, "d", "a", "b", "c");
    assertSorted(RangeRequest.SortTarget.VERSION, "d", "c", "a", "b");
    assertSorted(RangeRequest.SortTarget.VALUE, "b", "d", "a", "c");

    // No order: key order for target KEY, ascending for any other target (etcd's rule).
    assertThat(keys(join(store.range(sorted(RangeRequest.SortOrder.NONE, RangeRequest.SortTarget.MOD)))))
        .containsExactly("d", "a", "b", "c");
    // Sorting happens before the limit: the two newest by mod revision.
    RangeResponse newest = join(store.range(sorted(RangeRequest.SortOrder.DESCEND, RangeRequest.SortTarget.MOD)
        .toBuilder().setLimit(2).build()));
    assertThat(keys(newest)).containsExactly("c", "b");
    assertThat(newest.getMore()).isTrue();
    assertThat(newest.getCount()).isEqualTo(4);
  }

  private void assertSorted(RangeRequest.SortTarget target, String... ascending) {
    List<String> descending = new ArrayList<>(List.of(ascending));
    java.util.Collections.reverse(descending);
    assertThat(keys(join(store.range(sorted(RangeRequest.SortOrder.ASCEND, target)))))
        .as("%s ascending", target).containsExactly(ascending);
    assertThat(keys(join(store.range(sorted(RangeRequest.SortOrder.DESCEND, target)))))
        .as("%s descending", target).containsExactlyElementsOf(descending);
  }

  @Test
  void rangeFiltersOnModAndCreateRevisionBounds() {
    long ra = write("a", "1").getHeader().getRevision();
    long rb = write("b", "1").getHeader().getRevision();
    long rc = write("c", "1").getHeader().getRevision();
    long ra2 = write("a", "2").getHeader().getRevision(); // a: create ra, mod ra2

    assertThat(keys(join(store.range(prefixRange(prefix).toBuilder().setMinModRevision(rc).build()))))
        .containsExactly("a", "c");
    assertThat(keys(join(store.range(prefixRange(prefix).toBuilder().setMaxModRevision(rc).build()))))
        .containsExactly("b", "c");
    assertThat(keys(join(store.range(prefixRange(prefix).toBuilder().setMinCreateRevision(rb).build()))))
        .containsExactly("b", "c");
    assertThat(keys(join(store.range(prefixRange(prefix).toBuilder().setMaxCreateRevision(rb).build()))))
        .containsExactly("a", "b");
    assertThat(keys(join(store.range(prefixRange(prefix).toBuilder()
        .setMinCreateRevision(rb).setMaxCreateRevision(rb).build())))).containsExactly("b");
    assertThat(keys(join(store.range(prefixRange(prefix).toBuilder()
        .setMinModRevision(ra2).setMaxCreateRevision(ra).build())))).containsExactly("a");

    // The filters apply before the limit; count is the number of keys in the range, unfiltered.
    RangeResponse limited = join(store.range(prefixRange(prefix).toBuilder()
        .setMinModRevision(rb).setLimit(1).build()));
    assertThat(keys(limited)).containsExactly("a");
    assertThat(limited.getMore()).isTrue();
    assertThat(limited.getCount()).isEqualTo(3);
    RangeResponse filteredAll = join(store.range(prefixRange(prefix).toBuilder()
        .setMinModRevision(ra2 + 1).build()));
    assertThat(filteredAll.getKvsList()).isEmpty();
    assertThat(filteredAll.getCount()).isEqualTo(3);
  }

  // ------------------------------------------------------------------------------------------ put

  @Test
  void putReturnsThePreviousValueWhenAskedAndIgnoreValueKeepsIt() {
    PutResponse created = join(store.put(put(k("a"), "1").toBuilder().setPrevKv(true).build()));
    assertThat(created.hasPrevKv()).as("no previous value on creation").isFalse();
    KeyValue before = single(k("a"));

    PutResponse replaced = join(store.put(put(k("a"), "2").toBuilder().setPrevKv(true).build()));
    assertThat(replaced.getPrevKv()).isEqualTo(before);
    PutResponse withoutPrev = join(store.put(put(k("a"), "3")));
    assertThat(withoutPrev.hasPrevKv()).isFalse();

    long revision = join(store.put(PutRequest.newBuilder().setKey(bytes(k("a"))).setIgnoreValue(true).build()))
        .getHeader().getRevision();
    KeyValue kept = single(k("a"));
    assertThat(kept.getValue()).isEqualTo(bytes("3"));
    assertThat(kept.getVersion()).isEqualTo(4);
    assertThat(kept.getModRevision()).isEqualTo(revision);
    assertThat(kept.getCreateRevision()).isEqualTo(before.getCreateRevision());

    long now = revision();
    StoreException missing = failure(store.put(PutRequest.newBuilder().setKey(bytes(k("missing")))
        .setIgnoreValue(true).build()));
    assertThat(missing.code()).isEqualTo(StoreException.Code.INVALID_ARGUMENT);
    assertThat(missing).hasMessage(StoreErrors.KEY_NOT_FOUND);
    StoreException valueGiven = failure(store.put(put(k("a"), "4").toBuilder().setIgnoreValue(true).build()));
    assertThat(valueGiven.code()).isEqualTo(StoreException.Code.INVALID_ARGUMENT);
    assertThat(valueGiven).hasMessage(StoreErrors.VALUE_PROVIDED);
    StoreException leaseMissingKey = failure(store.put(PutRequest.newBuilder().setKey(bytes(k("missing")))
        .setValue(bytes("x")).setIgnoreLease(true).build()));
    assertThat(leaseMissingKey).hasMessage(StoreErrors.KEY_NOT_FOUND);
    StoreException leaseGiven = failure(store.put(put(k("a"), "4").toBuilder().setIgnoreLease(true).setLease(7)
        .build()));
    assertThat(leaseGiven.code()).isEqualTo(StoreException.Code.INVALID_ARGUMENT);
    assertThat(leaseGiven).hasMessage(StoreErrors.LEASE_PROVIDED);
    assertThat(revision()).as("failed puts change nothing").isEqualTo(now);
    assertThat(join(store.range(get(k("missing")))).getCount()).isZero();

    long ignoreLease = join(store.put(put(k("a"), "5").toBuilder().setIgnoreLease(true).build()))
        .getHeader().getRevision();
    assertThat(ignoreLease).isEqualTo(now + 1);
    assertThat(single(k("a")).getValue()).isEqualTo(bytes("5"));
  }

  @Test
  void aPutWithALeaseThatWasNeverGrantedFails() {
    long start = revision();
    StoreException unknown = failure(store.put(put(k("a"), "1").toBuilder().setLease(0x7eadbeefL).build()));
    assertThat(unknown.code()).isEqualTo(StoreException.Code.LEASE_NOT_FOUND);
    assertThat(unknown).hasMessage(StoreErrors.LEASE_NOT_FOUND);
    StoreException inTxn = failure(store.txn(TxnRequest.newBuilder()
        .addSuccess(op(put(k("a"), "1").toBuilder().setLease(0x7eadbeefL).build())).build()));
    assertThat(inTxn.code()).isEqualTo(StoreException.Code.LEASE_NOT_FOUND);
    assertThat(revision()).isEqualTo(start);
  }

  // ---------------------------------------------------------------------------------------- delete

  @Test
  void deleteRangeCountsWhatItDeletedAndReturnsPreviousValuesWhenAsked() {
    for (String key : List.of("a", "b", "c", "d")) {
      write(key, "v-" + key);
    }
    List<KeyValue> before = join(store.range(interval(k("a"), k("d")))).getKvsList();
    long start = revision();

    DeleteRangeResponse three = join(store.deleteRange(DeleteRangeRequest.newBuilder()
        .setKey(bytes(k("a"))).setRangeEnd(bytes(k("d"))).setPrevKv(true).build()));
    assertThat(three.getDeleted()).isEqualTo(3);
    assertThat(three.getPrevKvsList()).isEqualTo(before);
    assertThat(three.getHeader().getRevision()).isEqualTo(start + 1);

    DeleteRangeResponse one = join(store.deleteRange(delete(k("d"))));
    assertThat(one.getDeleted()).isEqualTo(1);
    assertThat(one.getPrevKvsList()).as("not asked for").isEmpty();
    assertThat(one.getHeader().getRevision()).isEqualTo(start + 2);

    DeleteRangeResponse none = join(store.deleteRange(prefixDelete(prefix).toBuilder().setPrevKv(true).build()));
    assertThat(none.getDeleted()).isZero();
    assertThat(none.getPrevKvsList()).isEmpty();
    assertThat(none.getHeader().getRevision()).isEqualTo(start + 2);
    assertThat(join(store.range(prefixRange(prefix))).getCount()).isZero();
  }

  // ------------------------------------------------------------------------------------------ txn

  @Test
  void txnComparesVersionCreateModAndValueWithEveryOperator() {
    long created = write("a", "m").getHeader().getRevision();
    long modified = write("a", "m").getHeader().getRevision(); // version 2

    assertCompares(Compare.CompareTarget.VERSION, 2, 1, 3);
    assertCompares(Compare.CompareTarget.CREATE, created, created - 1, created + 1);
    assertCompares(Compare.CompareTarget.MOD, modified, modified - 1, modified + 1);

    assertThat(holds(valueIs(k("a"), Compare.CompareResult.EQUAL, "m"))).isTrue();
    assertThat(holds(valueIs(k("a"), Compare.CompareResult.EQUAL, "l"))).isFalse();
    assertThat(holds(valueIs(k("a"), Compare.CompareResult.GREATER, "l"))).isTrue();
    assertThat(holds(valueIs(k("a"), Compare.CompareResult.GREATER, "m"))).isFalse();
    assertThat(holds(valueIs(k("a"), Compare.CompareResult.LESS, "n"))).isTrue();
    assertThat(holds(valueIs(k("a"), Compare.CompareResult.LESS, "ma"))).isTrue();
    assertThat(holds(valueIs(k("a"), Compare.CompareResult.LESS, "m"))).isFalse();
    assertThat(holds(valueIs(k("a"), Compare.CompareResult.NOT_EQUAL, "x"))).isTrue();
    assertThat(holds(valueIs(k("a"), Compare.CompareResult.NOT_EQUAL, "m"))).isFalse();
  }

  private void assertCompares(Compare.CompareTarget target, long actual, long below, long above) {
    String key = k("a");
    assertThat(holds(compare(key, target, Compare.CompareResult.EQUAL, actual))).as("%s = actual", target).isTrue();
    assertThat(holds(compare(key, target, Compare.CompareResult.EQUAL, below))).as("%s = below", target).isFalse();
    assertThat(holds(compare(key, target, Compare.CompareResult.GREATER, below))).as("%s > below", target).isTrue();
    assertThat(holds(compare(key, target, Compare.CompareResult.GREATER, actual))).as("%s > actual", target).isFalse();
    assertThat(holds(compare(key, target, Compare.CompareResult.LESS, above))).as("%s < above", target).isTrue();
    assertThat(holds(compare(key, target, Compare.CompareResult.LESS, actual))).as("%s < actual", target).isFalse();
    assertThat(holds(compare(key, target, Compare.CompareResult.NOT_EQUAL, below))).as("%s != below", target).isTrue();
    assertThat(holds(compare(key, target, Compare.CompareResult.NOT_EQUAL, actual))).as("%s != actual", target)
        .isFalse();
  }

  @Test
  void txnComparesOnMissingKeysAndRangesAsEtcdDoes() {
    String missing = k("missing");
    // A missing key compares as zero revisions and version...
    assertThat(holds(compare(missing, Compare.CompareTarget.VERSION, Compare.CompareResult.EQUAL, 0))).isTrue();
    assertThat(holds(compare(missing, Compare.CompareTarget.CREATE, Compare.CompareResult.EQUAL, 0))).isTrue();
    assertThat(holds(compare(missing, Compare.CompareTarget.MOD, Compare.CompareResult.LESS, 1))).isTrue();
    assertThat(holds(compare(missing, Compare.CompareTarget.LEASE, Compare.CompareResult.EQUAL, 0))).isTrue();
    // ...but any compare of its value fails, even against the empty value.
    assertThat(holds(valueIs(missing, Compare.CompareResult.EQUAL, ""))).isFalse();
    assertThat(holds(valueIs(missing, Compare.CompareResult.NOT_EQUAL, "x"))).isFalse();

    write("r/a", "1");
    write("r/b", "1");
    write("r/b", "2");
    Compare allCreated = compare(k("r/"), Compare.CompareTarget.VERSION, Compare.CompareResult.GREATER, 0)
        .toBuilder().setRangeEnd(prefixEnd(k("r/"))).build();
    Compare allVersionOne = compare(k("r/"), Compare.CompareTarget.VERSION, Compare.CompareResult.EQUAL, 1)
        .toBuilder().setRangeEnd(prefixEnd(k("r/"))).build();
    assertThat(holds(allCreated)).as("every key in the range must match").isTrue();
    assertThat(holds(allVersionOne)).isFalse();

    // Compares are ANDed.
    TxnResponse both = join(store.txn(TxnRequest.newBuilder().addCompare(allCreated).addCompare(allVersionOne)
        .addSuccess(op(get(k("r/a")))).addFailure(op(get(k("r/b")))).build()));
    assertThat(both.getSucceeded()).isFalse();
    assertThat(keys(both.getResponses(0).getResponseRange())).containsExactly("r/b");
  }

  @Test
  void txnRunsTheChosenBranchInOrderAtOneRevision() {
    write("a", "old");
    write("c", "old");
    long start = revision();
    TxnRequest txn = TxnRequest.newBuilder()
        .addCompare(valueIs(k("a"), Compare.CompareResult.EQUAL, "old"))
        .addSuccess(op(put(k("a"), "new").toBuilder().setPrevKv(true).build()))
        .addSuccess(op(get(k("a"))))
        .addSuccess(op(put(k("b"), "1")))
        .addSuccess(op(DeleteRangeRequest.newBuilder().setKey(bytes(k("c"))).setPrevKv(true).build()))
        .addSuccess(op(prefixRange(prefix)))
        .addFailure(op(get(k("a"))))
        .build();

    TxnResponse won = join(store.txn(txn));
    assertThat(won.getSucceeded()).isTrue();
    assertThat(won.getHeader().getRevision()).isEqualTo(start + 1);
    assertThat(won.getResponsesCount()).isEqualTo(5);
    assertThat(won.getResponses(0).getResponsePut().getPrevKv().getValue()).isEqualTo(bytes("old"));
    assertThat(won.getResponses(0).getResponsePut().getHeader().getRevision()).isEqualTo(start + 1);
    RangeResponse readOwnWrite = won.getResponses(1).getResponseRange();
    assertThat(values(readOwnWrite)).as("a read inside sees the txn's earlier writes").containsExactly("a=new");
    assertThat(readOwnWrite.getKvs(0).getModRevision()).isEqualTo(start + 1);
    assertThat(readOwnWrite.getHeader().getRevision()).isEqualTo(start + 1);
    DeleteRangeResponse deleted = won.getResponses(3).getResponseDeleteRange();
    assertThat(deleted.getDeleted()).isEqualTo(1);
    assertThat(deleted.getPrevKvs(0).getValue()).isEqualTo(bytes("old"));
    assertThat(values(won.getResponses(4).getResponseRange())).containsExactly("a=new", "b=1");

    TxnResponse lost = join(store.txn(txn));
    assertThat(lost.getSucceeded()).isFalse();
    assertThat(lost.getResponsesCount()).isEqualTo(1);
    assertThat(values(lost.getResponses(0).getResponseRange())).containsExactly("a=new");
    assertThat(lost.getHeader().getRevision()).isEqualTo(start + 1);
    KeyValue b = single(k("b"));
    assertThat(b.getCreateRevision()).isEqualTo(start + 1);

    TxnResponse failureBranchWrites = join(store.txn(TxnRequest.newBuilder()
        .addCompare(valueIs(k("b"), Compare.CompareResult.EQUAL, "nope"))
        .addSuccess(op(put(k("c"), "success")))
        .addFailure(op(put(k("c"), "failure"))).build()));
    assertThat(failureBranchWrites.getSucceeded()).isFalse();
    assertThat(failureBranchWrites.getHeader().getRevision()).isEqualTo(start + 2);
    assertThat(values(join(store.range(get(k("c")))))).containsExactly("c=failure");
  }

  @Test
  void nestedTxnsDecideOnTheStateBeforeTheOuterTxn() {
    write("a", "old");
    long start = revision();
    TxnRequest inner = TxnRequest.newBuilder()
        // Evaluated before the outer put runs, as etcd evaluates every compare up front.
        .addCompare(valueIs(k("a"), Compare.CompareResult.EQUAL, "old"))
        .addSuccess(op(put(k("x"), "inner-success")))
        .addSuccess(op(get(k("a"))))
        .addFailure(op(put(k("x"), "inner-failure")))
        .build();
    TxnResponse outer = join(store.txn(TxnRequest.newBuilder()
        .addCompare(versionIs(k("a"), Compare.CompareResult.EQUAL, 1))
        .addSuccess(op(put(k("a"), "new")))
        .addSuccess(RequestOp.newBuilder().setRequestTxn(inner))
        .build()));

    assertThat(outer.getSucceeded()).isTrue();
    assertThat(outer.getHeader().getRevision()).isEqualTo(start + 1);
    TxnResponse nested = outer.getResponses(1).getResponseTxn();
    assertThat(nested.getSucceeded()).isTrue();
    assertThat(nested.getResponsesCount()).isEqualTo(2);
    assertThat(nested.getResponses(0).getResponsePut().getHeader().getRevision()).isEqualTo(start + 1);
    assertThat(values(nested.getResponses(1).getResponseRange())).containsExactly("a=new");
    assertThat(values(join(store.range(get(k("x")))))).containsExactly("x=inner-success");
    assertThat(single(k("x")).getModRevision()).isEqualTo(start + 1);
  }

  @Test
  void aFailingOperationFailsTheWholeTxnWithNoChange() {
    write("a", "1");
    long start = revision();

    StoreException missing = failure(store.txn(TxnRequest.newBuilder()
        .addSuccess(op(put(k("b"), "1")))
        .addSuccess(op(PutRequest.newBuilder().setKey(bytes(k("missing"))).setIgnoreValue(true).build()))
        .build()));
    assertThat(missing).hasMessage(StoreErrors.KEY_NOT_FOUND);

    StoreException future = failure(store.txn(TxnRequest.newBuilder()
        .addSuccess(op(put(k("b"), "1")))
        .addSuccess(op(at(get(k("a")), start + 1)))
        .build()));
    assertThat(future.code()).as("a read at the txn's own revision is in the future").isEqualTo(
        StoreException.Code.FUTURE_REVISION);

    TxnRequest.Builder tooMany = TxnRequest.newBuilder();
    for (int i = 0; i <= 128; i++) {
      tooMany.addSuccess(op(put(k("many/" + i), "x")));
    }
    StoreException ops = failure(store.txn(tooMany.build()));
    assertThat(ops.code()).isEqualTo(StoreException.Code.INVALID_ARGUMENT);
    assertThat(ops).hasMessage(StoreErrors.TOO_MANY_OPS);

    StoreException duplicate = failure(store.txn(TxnRequest.newBuilder()
        .addSuccess(op(put(k("b"), "1"))).addSuccess(op(put(k("b"), "2"))).build()));
    assertThat(duplicate.code()).isEqualTo(StoreException.Code.INVALID_ARGUMENT);
    assertThat(duplicate).hasMessage(StoreErrors.DUPLICATE_KEY);

    assertThat(revision()).isEqualTo(start);
    assertThat(join(store.range(get(k("b")))).getCount()).isZero();
  }

  @Test
  void theDuplicateKeyCheckCountsADeleteToTheEndAsDeletingNothing() {
    write("a", "1");
    long start = revision();
    // etcd checks puts against the literal interval [key, "\0"), which holds no key. The branch
    // does not run (it would delete every key after ours): the check covers both branches anyway.
    TxnResponse accepted = join(store.txn(TxnRequest.newBuilder()
        .addCompare(versionIs(k("a"), Compare.CompareResult.EQUAL, 99))
        .addSuccess(op(DeleteRangeRequest.newBuilder().setKey(bytes(k("a")))
            .setRangeEnd(ByteString.copyFrom(new byte[] {0})).build()))
        .addSuccess(op(put(k("b"), "1")))
        .build()));
    assertThat(accepted.getSucceeded()).isFalse();
    StoreException inside = failure(store.txn(TxnRequest.newBuilder()
        .addCompare(versionIs(k("a"), Compare.CompareResult.EQUAL, 99))
        .addSuccess(op(DeleteRangeRequest.newBuilder().setKey(bytes(k("a"))).setRangeEnd(bytes(k("c"))).build()))
        .addSuccess(op(put(k("b"), "1")))
        .build()));
    assertThat(inside).hasMessage(StoreErrors.DUPLICATE_KEY);
    assertThat(revision()).isEqualTo(start);
  }

  // -------------------------------------------------------------------------------------- errors

  @Test
  void anEmptyKeyIsAnError() {
    long start = revision();
    for (CompletableFuture<?> call : List.<CompletableFuture<?>>of(
        store.put(PutRequest.newBuilder().setValue(bytes("v")).build()),
        store.range(RangeRequest.getDefaultInstance()),
        store.deleteRange(DeleteRangeRequest.getDefaultInstance()),
        store.txn(TxnRequest.newBuilder().addSuccess(op(PutRequest.newBuilder().setValue(bytes("v")).build()))
            .build()),
        store.txn(TxnRequest.newBuilder().addCompare(Compare.newBuilder().setTarget(Compare.CompareTarget.VERSION))
            .build()))) {
      StoreException empty = failure(call);
      assertThat(empty.code()).isEqualTo(StoreException.Code.INVALID_ARGUMENT);
      assertThat(empty).hasMessage(StoreErrors.EMPTY_KEY);
    }
    assertThat(revision()).isEqualTo(start);
  }

  @Test
  void aRequestOverTheSizeLimitIsTooLarge() {
    long start = revision();
    // Over etcd's --max-request-bytes (1.5 MiB), and over gRPC's limit above it (2 MiB).
    for (int size : List.of(1600 * 1024, 3 * 1024 * 1024)) {
      StoreException tooLarge = failure(store.put(PutRequest.newBuilder().setKey(bytes(k("big")))
          .setValue(ByteString.copyFrom(new byte[size])).build()));
      assertThat(tooLarge.code()).as("%d bytes", size).isEqualTo(StoreException.Code.TOO_LARGE);
      assertThat(tooLarge).hasMessage(StoreErrors.REQUEST_TOO_LARGE);
    }
    assertThat(revision()).isEqualTo(start);
  }

  // ----------------------------------------------------------------------------------- compaction

  @Test
  void compactionKeepsTheRevisionAndFailsReadsBelowIt() {
    long r1 = write("a", "1").getHeader().getRevision();
    long r2 = write("a", "2").getHeader().getRevision();
    long r3 = write("a", "3").getHeader().getRevision();

    assertThat(join(store.compact(compaction(r2))).getHeader().getRevision()).isEqualTo(r3);
    assertThat(revision()).isEqualTo(r3);

    StoreException compacted = failure(store.range(at(get(k("a")), r1)));
    assertThat(compacted.code()).isEqualTo(StoreException.Code.COMPACTED);
    assertThat(compacted).hasMessage(StoreErrors.COMPACTED);
    assertThat(values(join(store.range(at(get(k("a")), r2))))).as("the compacted revision itself stays readable")
        .containsExactly("a=2");
    assertThat(values(join(store.range(get(k("a")))))).containsExactly("a=3");
    StoreException inTxn = failure(store.txn(TxnRequest.newBuilder().addSuccess(op(at(get(k("a")), r1))).build()));
    assertThat(inTxn.code()).isEqualTo(StoreException.Code.COMPACTED);

    StoreException again = failure(store.compact(compaction(r2)));
    assertThat(again.code()).isEqualTo(StoreException.Code.COMPACTED);
    assertThat(failure(store.compact(compaction(r1))).code()).isEqualTo(StoreException.Code.COMPACTED);
    StoreException future = failure(store.compact(compaction(r3 + 1)));
    assertThat(future.code()).isEqualTo(StoreException.Code.FUTURE_REVISION);
    assertThat(revision()).isEqualTo(r3);
  }

  // ---------------------------------------------------------------------------------------- watch

  @Test
  void aWatchFromAPastRevisionReplaysFromThatRevisionInclusiveThenFollows() {
    write("a", "1");
    long r2 = write("b", "1").getHeader().getRevision();
    long r3 = write("a", "2").getHeader().getRevision();
    write("elsewhere", "x"); // outside the watched range [a, c)

    Recorder recorder = watch(WatchCreateRequest.newBuilder().setKey(bytes(k("a"))).setRangeEnd(bytes(k("c")))
        .setStartRevision(r2).build());
    long r5 = write("b", "2").getHeader().getRevision();
    recorder.awaitRevision(r5);

    assertThat(recorder.revisions()).containsExactly(r2, r3, r5);
    assertThat(recorder.describe()).containsExactly("PUT b=1", "PUT a=2", "PUT b=2");
    assertThat(recorder.batches.get(0).events().get(0).getKv()).isEqualTo(
        join(store.range(at(get(k("b")), r2))).getKvs(0));
    assertThat(recorder.failure()).isNull();
  }

  @Test
  void aRequestedProgressNotificationReportsTheRevisionAfterEveryEventAlreadySent() {
    Recorder recorder = watch(prefixWatch(prefix + "watched/", 0));
    long watched = write("watched/a", "1").getHeader().getRevision();
    recorder.awaitRevision(watched);
    // Changes elsewhere move the store on without an event for this watch.
    long elsewhere = write("other", "x").getHeader().getRevision();
    // The watch may still be catching up with the write (it then declines): ask until it answers.
    await().atMost(WAIT).until(() -> {
      recorder.watch.requestProgress();
      return recorder.progress.stream().anyMatch(r -> r >= elsewhere);
    });
    assertThat(recorder.progress).allSatisfy(r -> assertThat(r).isGreaterThanOrEqualTo(watched));
    assertThat(recorder.revisions()).containsExactly(watched);
  }

  @Test
  void aWatchFromRevisionZeroSeesOnlyLaterChanges() {
    write("a", "before");
    Recorder recorder = watch(prefixWatch(prefix, 0));
    long after = write("a", "after").getHeader().getRevision();
    recorder.awaitRevision(after);
    assertThat(recorder.describe()).containsExactly("PUT a=after");
    assertThat(recorder.revisions()).containsExactly(after);
  }

  @Test
  void watchEventsCarryThePreviousValueOnlyWhenAsked() {
    write("a", "0");
    Recorder withPrev = watch(prefixWatch(prefix, 0).toBuilder().setPrevKv(true).build());
    Recorder withoutPrev = watch(prefixWatch(prefix, 0));
    long created = write("b", "1").getHeader().getRevision();
    long updated = write("b", "2").getHeader().getRevision();
    long deleted = join(store.deleteRange(delete(k("b")))).getHeader().getRevision();
    long recreated = write("b", "3").getHeader().getRevision();
    withPrev.awaitRevision(recreated);
    withoutPrev.awaitRevision(recreated);

    List<Event> events = withPrev.events();
    assertThat(events).hasSize(4);
    assertThat(events.get(3).hasPrevKv()).as("a re-creation has no previous value").isFalse();
    assertThat(events.get(0).getType()).isEqualTo(Event.EventType.PUT);
    assertThat(events.get(0).hasPrevKv()).as("a creation has no previous value").isFalse();
    assertThat(events.get(1).getPrevKv()).isEqualTo(events.get(0).getKv());
    Event delete = events.get(2);
    assertThat(delete.getType()).isEqualTo(Event.EventType.DELETE);
    assertThat(delete.getKv()).as("a delete event's kv has the key and the deleting revision only")
        .isEqualTo(KeyValue.newBuilder().setKey(bytes(k("b"))).setModRevision(deleted).build());
    assertThat(delete.getPrevKv()).isEqualTo(events.get(1).getKv());
    assertThat(events.get(1).getKv().getModRevision()).isEqualTo(updated);
    assertThat(events.get(0).getKv().getCreateRevision()).isEqualTo(created);

    assertThat(withoutPrev.events()).allSatisfy(event -> assertThat(event.hasPrevKv()).isFalse());
    assertThat(withoutPrev.events()).hasSize(4);

    // Replayed history carries the same events as the live watch saw.
    Recorder replayed = watch(prefixWatch(prefix, created).toBuilder().setPrevKv(true).build());
    replayed.awaitRevision(recreated);
    assertThat(replayed.events()).isEqualTo(events);
  }

  @Test
  void anEventsPreviousValueIsTheOneBeforeTheRequest() {
    write("k", "old");
    Recorder live = watch(prefixWatch(prefix, 0).toBuilder().setPrevKv(true).build());
    // The duplicate-key check lets a put and a delete of one key sit in sibling nested txns.
    long both = join(store.txn(TxnRequest.newBuilder()
        .addSuccess(RequestOp.newBuilder().setRequestTxn(TxnRequest.newBuilder().addSuccess(op(put(k("k"), "new")))))
        .addSuccess(RequestOp.newBuilder().setRequestTxn(TxnRequest.newBuilder().addSuccess(op(delete(k("k"))))))
        .build())).getHeader().getRevision();
    live.awaitRevision(both);
    Recorder replayed = watch(prefixWatch(prefix, both).toBuilder().setPrevKv(true).build());
    replayed.awaitRevision(both);

    for (Recorder recorder : List.of(live, replayed)) {
      assertThat(recorder.describe()).containsExactly("PUT k=new", "DELETE k");
      assertThat(recorder.events()).allSatisfy(event ->
          assertThat(event.getPrevKv().getValue()).as("prev_kv is the value before the txn").isEqualTo(bytes("old")));
    }
  }

  @Test
  void aWatchSeesOnlyItsKeyOrRange() {
    Recorder single = watch(WatchCreateRequest.newBuilder().setKey(bytes(k("b"))).build());
    Recorder interval = watch(WatchCreateRequest.newBuilder().setKey(bytes(k("b"))).setRangeEnd(bytes(k("d"))).build());
    Recorder fromKey = watch(WatchCreateRequest.newBuilder().setKey(bytes(k("c")))
        .setRangeEnd(ByteString.copyFrom(new byte[] {0})).build());
    Recorder noDeletes = watch(prefixWatch(prefix, 0).toBuilder()
        .addFilters(WatchCreateRequest.FilterType.NODELETE).build());
    Recorder noPuts = watch(prefixWatch(prefix, 0).toBuilder()
        .addFilters(WatchCreateRequest.FilterType.NOPUT).build());
    for (String key : List.of("a", "b", "bb", "c", "d")) {
      write(key, "1");
    }
    long last = join(store.deleteRange(delete(k("b")))).getHeader().getRevision();
    single.awaitRevision(last);
    interval.awaitRevision(last);
    long marker = write("e", "1").getHeader().getRevision();
    fromKey.awaitRevision(marker);
    noDeletes.awaitRevision(marker);

    noPuts.awaitRevision(last);
    assertThat(noPuts.describe()).containsExactly("DELETE b");
    assertThat(single.describe()).containsExactly("PUT b=1", "DELETE b");
    assertThat(interval.describe()).containsExactly("PUT b=1", "PUT bb=1", "PUT c=1", "DELETE b");
    assertThat(fromKey.describe()).containsExactly("PUT c=1", "PUT d=1", "PUT e=1");
    assertThat(noDeletes.describe()).containsExactly("PUT a=1", "PUT b=1", "PUT bb=1", "PUT c=1", "PUT d=1", "PUT e=1");
  }

  @Test
  void theEventsOfOneRequestShareARevisionAndArriveTogether() {
    write("c", "1");
    write("d", "1");
    write("e", "1");
    Recorder recorder = watch(prefixWatch(prefix, 0));
    long txn = join(store.txn(TxnRequest.newBuilder()
        .addSuccess(op(put(k("b"), "1"))).addSuccess(op(put(k("a"), "1"))).addSuccess(op(delete(k("c"))))
        .build())).getHeader().getRevision();
    long deleteRange = join(store.deleteRange(DeleteRangeRequest.newBuilder()
        .setKey(bytes(k("d"))).setRangeEnd(bytes(k("f"))).build())).getHeader().getRevision();
    recorder.awaitRevision(deleteRange);

    assertThat(recorder.revisions()).containsExactly(txn, deleteRange);
    assertThat(recorder.batches.get(0).describe()).as("in the order the txn made them")
        .containsExactly("PUT b=1", "PUT a=1", "DELETE c");
    assertThat(recorder.batches.get(1).describe()).containsExactly("DELETE d", "DELETE e");
    assertThat(recorder.events()).allSatisfy(event -> assertThat(event.getKv().getModRevision())
        .isIn(txn, deleteRange));
  }

  @Test
  void aWatchFromBelowTheCompactedRevisionEndsWithCompacted() {
    long r1 = write("a", "1").getHeader().getRevision();
    long r2 = write("a", "2").getHeader().getRevision();
    long r3 = write("a", "3").getHeader().getRevision();
    join(store.compact(compaction(r2)));

    Recorder tooOld = watch(prefixWatch(prefix, r1));
    await().atMost(WAIT).until(() -> tooOld.compacted != 0);
    assertThat(tooOld.compacted).isEqualTo(r2);
    assertThat(tooOld.batches).isEmpty();
    assertThat(tooOld.failure()).isNull();

    Recorder atCompaction = watch(prefixWatch(prefix, r2));
    atCompaction.awaitRevision(r3);
    assertThat(atCompaction.describe()).containsExactly("PUT a=2", "PUT a=3");
    assertThat(atCompaction.compacted).isZero();
  }

  @Test
  void compactionAtADeleteDropsThatDeleteFromHistory() {
    write("a", "1");
    write("b", "1");
    long deleted = join(store.deleteRange(delete(k("a")))).getHeader().getRevision();
    long later = write("c", "1").getHeader().getRevision();
    // physical: etcd answers once the backend has dropped the old revisions, not before.
    join(store.compact(compaction(deleted).toBuilder().setPhysical(true).build()));

    assertThat(values(join(store.range(at(prefixRange(prefix), deleted))))).containsExactly("b=1");
    Recorder fromCompaction = watch(prefixWatch(prefix, deleted).toBuilder().setPrevKv(true).build());
    fromCompaction.awaitRevision(later);
    assertThat(fromCompaction.describe()).as("the delete at the compacted revision is gone")
        .containsExactly("PUT c=1");
  }

  @Test
  void aWatchFromAFutureRevisionWaitsForIt() {
    long now = revision();
    Recorder recorder = watch(prefixWatch(prefix, now + 2));
    write("a", "1");
    write("a", "2");
    long third = write("a", "3").getHeader().getRevision();
    recorder.awaitRevision(third);
    assertThat(recorder.revisions()).containsExactly(now + 2, third);
  }

  @Test
  void aClosedWatchHearsNothingMore() {
    Recorder closed = watch(prefixWatch(prefix, 0));
    Recorder open = watch(prefixWatch(prefix, 0));
    long first = write("a", "1").getHeader().getRevision();
    closed.awaitRevision(first);
    closed.watch.close();
    long second = write("a", "2").getHeader().getRevision();
    open.awaitRevision(second);
    assertThat(closed.revisions()).containsExactly(first);
  }

  // ------------------------------------------------------------------------------------- helpers

  /** This test's key for {@code name}. */
  protected final String k(String name) {
    return prefix + name;
  }

  protected static <T> T join(CompletableFuture<T> future) {
    return future.orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
  }

  protected static StoreException failure(CompletableFuture<?> future) {
    Throwable thrown = catchThrowable(() -> join(future));
    assertThat(thrown).isInstanceOf(CompletionException.class);
    assertThat(thrown.getCause()).isInstanceOf(StoreException.class);
    return (StoreException) thrown.getCause();
  }

  /** The store's current revision, read linearizably. */
  protected final long revision() {
    return join(store.range(get(k("")))).getHeader().getRevision();
  }

  /** Puts {@code value} at this test's key {@code name}. */
  private PutResponse write(String name, String value) {
    return join(store.put(put(k(name), value)));
  }

  private KeyValue single(String key) {
    return single(store, key);
  }

  private static KeyValue single(KeyValueStore store, String key) {
    RangeResponse response = join(store.range(get(key)));
    assertThat(response.getKvsList()).hasSize(1);
    return response.getKvs(0);
  }

  private boolean holds(Compare compare) {
    return join(store.txn(TxnRequest.newBuilder().addCompare(compare)
        .addSuccess(op(get(k("a")))).addFailure(op(get(k("a")))).build())).getSucceeded();
  }

  private RangeRequest sorted(RangeRequest.SortOrder order, RangeRequest.SortTarget target) {
    return prefixRange(prefix).toBuilder().setSortOrder(order).setSortTarget(target).build();
  }

  /** Keys of a response without this test's prefix. */
  private List<String> keys(RangeResponse response) {
    return response.getKvsList().stream().map(kv -> strip(kv.getKey())).toList();
  }

  /** {@code key=value} of a response, without this test's prefix. */
  private List<String> values(RangeResponse response) {
    return response.getKvsList().stream().map(kv -> strip(kv.getKey()) + "=" + kv.getValue().toStringUtf8()).toList();
  }

  private String strip(ByteString key) {
    String text = key.toStringUtf8();
    return text.startsWith(prefix) ? text.substring(prefix.length()) : text;
  }

  private Recorder watch(WatchCreateRequest request) {
    Recorder recorder = new Recorder();
    recorder.watch = store.watch(request, recorder);
    closeAfterTest(recorder.watch);
    return recorder;
  }

  static ByteString bytes(String text) {
    return ByteString.copyFromUtf8(text);
  }

  static ByteString prefixEnd(String prefix) {
    byte[] end = prefix.getBytes(StandardCharsets.UTF_8);
    end[end.length - 1]++;
    return ByteString.copyFrom(end);
  }

  static PutRequest put(String key, String value) {
    return PutRequest.newBuilder().setKey(bytes(key)).setValue(bytes(value)).build();
  }

  static RangeRequest get(String key) {
    return RangeRequest.newBuilder().setKey(bytes(key)).build();
  }

  static RangeRequest all(String from) {
    return RangeRequest.newBuilder().setKey(bytes(from)).setRangeEnd(ByteString.copyFrom(new byte[] {0})).build();
  }

  static RangeRequest prefixRange(String prefix) {
    return RangeRequest.newBuilder().setKey(bytes(prefix)).setRangeEnd(prefixEnd(prefix)).build();
  }

  static RangeRequest interval(String from, String to) {
    return RangeRequest.newBuilder().setKey(bytes(from)).setRangeEnd(bytes(to)).build();
  }

  static RangeRequest at(RangeRequest request, long revision) {
    return request.toBuilder().setRevision(revision).build();
  }

  static DeleteRangeRequest delete(String key) {
    return DeleteRangeRequest.newBuilder().setKey(bytes(key)).build();
  }

  static DeleteRangeRequest prefixDelete(String prefix) {
    return DeleteRangeRequest.newBuilder().setKey(bytes(prefix)).setRangeEnd(prefixEnd(prefix)).build();
  }

  static RequestOp op(PutRequest put) {
    return RequestOp.newBuilder().setRequestPut(put).build();
  }

  static RequestOp op(RangeRequest range) {
    return RequestOp.newBuilder().setRequestRange(range).build();
  }

  static RequestOp op(DeleteRangeRequest delete) {
    return RequestOp.newBuilder().setRequestDeleteRange(delete).build();
  }

  static Compare compare(String key, Compare.CompareTarget target, Compare.CompareResult result, long operand) {
    Compare.Builder compare = Compare.newBuilder().setKey(bytes(key)).setTarget(target).setResult(result);
    switch (target) {
      case VERSION -> compare.setVersion(operand);
      case CREATE -> compare.setCreateRevision(operand);
      case MOD -> compare.setModRevision(operand);
      case LEASE -> compare.setLease(operand);
      default -> throw new IllegalArgumentException("not a numeric target: " + target);
    }
    return compare.build();
  }

  static Compare versionIs(String key, Compare.CompareResult result, long version) {
    return compare(key, Compare.CompareTarget.VERSION, result, version);
  }

  static Compare valueIs(String key, Compare.CompareResult result, String value) {
    return Compare.newBuilder().setKey(bytes(key)).setTarget(Compare.CompareTarget.VALUE).setResult(result)
        .setValue(bytes(value)).build();
  }

  static CompactionRequest compaction(long revision) {
    return CompactionRequest.newBuilder().setRevision(revision).build();
  }

  static WatchCreateRequest prefixWatch(String prefix, long startRevision) {
    return WatchCreateRequest.newBuilder().setKey(bytes(prefix)).setRangeEnd(prefixEnd(prefix))
        .setStartRevision(startRevision).build();
  }

  /** The events of one listener callback. */
  record Batch(long revision, List<Event> events, String prefix) {
    List<String> describe() {
      return events.stream().map(event -> {
        String key = event.getKv().getKey().toStringUtf8().substring(prefix.length());
        return event.getType() == Event.EventType.PUT
            ? "PUT " + key + "=" + event.getKv().getValue().toStringUtf8()
            : "DELETE " + key;
      }).toList();
    }
  }

  /** Records what one watch hears, from whatever thread the binding calls it on. */
  final class Recorder implements StoreWatchListener {
    final List<Batch> batches = new CopyOnWriteArrayList<>();
    final List<Long> progress = new CopyOnWriteArrayList<>();
    volatile long compacted;
    private volatile Throwable failure;
    StoreWatch watch;

    @Override
    public void onEvents(long revision, List<Event> events) {
      batches.add(new Batch(revision, List.copyOf(events), prefix));
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
      failure = error;
    }

    Throwable failure() {
      return failure;
    }

    void awaitRevision(long revision) {
      await().atMost(WAIT).until(() -> failure != null
          || batches.stream().anyMatch(batch -> batch.revision() >= revision));
      assertThat(failure).isNull();
    }

    List<Long> revisions() {
      return batches.stream().map(Batch::revision).toList();
    }

    List<Event> events() {
      return batches.stream().flatMap(batch -> batch.events().stream()).toList();
    }

    List<String> describe() {
      return batches.stream().flatMap(batch -> batch.describe().stream()).toList();
    }
  }
}
