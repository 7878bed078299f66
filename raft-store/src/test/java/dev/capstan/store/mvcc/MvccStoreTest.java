package dev.capstan.store.mvcc;

import static dev.capstan.store.EtcdRequests.ALL;
import static dev.capstan.store.EtcdRequests.bytes;
import static dev.capstan.store.EtcdRequests.delete;
import static dev.capstan.store.EtcdRequests.get;
import static dev.capstan.store.EtcdRequests.modEquals;
import static dev.capstan.store.EtcdRequests.op;
import static dev.capstan.store.EtcdRequests.prefix;
import static dev.capstan.store.EtcdRequests.prefixEnd;
import static dev.capstan.store.EtcdRequests.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.capstan.etcd.etcdserverpb.CompactionRequest;
import dev.capstan.etcd.etcdserverpb.Compare;
import dev.capstan.etcd.etcdserverpb.DeleteRangeRequest;
import dev.capstan.etcd.etcdserverpb.PutRequest;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.etcd.etcdserverpb.RangeResponse;
import dev.capstan.etcd.etcdserverpb.RequestOp;
import dev.capstan.etcd.etcdserverpb.TxnRequest;
import dev.capstan.etcd.etcdserverpb.TxnResponse;
import dev.capstan.etcd.mvccpb.Event;
import dev.capstan.etcd.mvccpb.KeyValue;
import dev.capstan.store.StoreException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class MvccStoreTest {

  private final MvccStore store = new MvccStore(Runnable::run);

  private static Compare compare(String key, Compare.CompareTarget target, Compare.CompareResult result) {
    return Compare.newBuilder().setKey(bytes(key)).setTarget(target).setResult(result).build();
  }

  private KeyValue only(RangeRequest request) {
    RangeResponse response = store.range(request);
    assertThat(response.getKvsList()).hasSize(1);
    return response.getKvs(0);
  }

  private static List<String> keys(RangeResponse response) {
    return response.getKvsList().stream().map(kv -> kv.getKey().toStringUtf8()).toList();
  }

  @Test
  void revisionStartsAtOneAndEachWriteBumpsItByOne() {
    assertThat(store.revision()).isEqualTo(1);
    assertThat(store.range(get("a")).getHeader().getRevision()).isEqualTo(1);

    assertThat(store.put(put("a", "1")).revision()).isEqualTo(2);
    assertThat(store.put(put("b", "1")).response().getHeader().getRevision()).isEqualTo(3);
    assertThat(store.revision()).isEqualTo(3);
  }

  /** A key's versions hold one copy of its bytes, not one per put (docs/benchmarks.md: what a put leaves on the heap). */
  @Test
  void everyVersionOfAKeySharesOneCopyOfItsBytes() {
    store.put(put("k", "v1"));
    store.put(put("k", "v2"));
    store.deleteRange(delete("k"));
    store.put(put("k", "v3"));

    KeyValue first = store.range(get("k").toBuilder().setRevision(2).build()).getKvs(0);
    KeyValue second = store.range(get("k").toBuilder().setRevision(3).build()).getKvs(0);
    KeyValue afterDelete = only(get("k"));
    assertThat(second.getKey()).isSameAs(first.getKey());
    assertThat(afterDelete.getKey()).isSameAs(first.getKey());
    assertThat(afterDelete.getKey()).isEqualTo(bytes("k"));
  }

  @Test
  void keysCarryCreateModAndVersionAndADeleteStartsThemOver() {
    store.put(put("k", "v1"));
    store.put(put("other", "x"));
    store.put(put("k", "v2"));
    assertThat(only(get("k"))).isEqualTo(KeyValue.newBuilder().setKey(bytes("k")).setValue(bytes("v2"))
        .setCreateRevision(2).setModRevision(4).setVersion(2).build());

    var deleted = store.deleteRange(delete("k"));
    assertThat(deleted.response().getDeleted()).isEqualTo(1);
    assertThat(deleted.revision()).isEqualTo(5);
    assertThat(store.range(get("k")).getKvsList()).isEmpty();

    store.put(put("k", "v3"));
    assertThat(only(get("k"))).isEqualTo(KeyValue.newBuilder().setKey(bytes("k")).setValue(bytes("v3"))
        .setCreateRevision(6).setModRevision(6).setVersion(1).build());
  }

  @Test
  void requestsThatChangeNothingLeaveTheRevisionAlone() {
    store.put(put("a", "1"));
    var nothingDeleted = store.deleteRange(delete("missing"));
    assertThat(nothingDeleted.response().getDeleted()).isZero();
    assertThat(nothingDeleted.response().getHeader().getRevision()).isEqualTo(2);
    assertThat(nothingDeleted.events()).isEmpty();

    var readOnly = store.txn(TxnRequest.newBuilder().addSuccess(op(get("a"))).build());
    assertThat(readOnly.revision()).isEqualTo(2);
    assertThat(readOnly.response().getHeader().getRevision()).isEqualTo(2);
    assertThat(store.revision()).isEqualTo(2);
  }

  @Test
  void allChangesOfOneTxnShareOneRevisionAndComeOutAsOrderedEvents() {
    store.put(put("gone", "x"));
    var applied = store.txn(TxnRequest.newBuilder()
        .addSuccess(op(put("b", "1")))
        .addSuccess(op(put("a", "1")))
        .addSuccess(op(delete("gone")))
        .build());

    assertThat(applied.revision()).isEqualTo(3);
    assertThat(applied.events()).extracting(e -> e.getKv().getKey().toStringUtf8(), Event::getType)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("b", Event.EventType.PUT),
            org.assertj.core.groups.Tuple.tuple("a", Event.EventType.PUT),
            org.assertj.core.groups.Tuple.tuple("gone", Event.EventType.DELETE));
    assertThat(applied.events()).allSatisfy(e -> assertThat(e.getKv().getModRevision()).isEqualTo(3));
    Event delete = applied.events().get(2);
    assertThat(delete.getKv()).isEqualTo(KeyValue.newBuilder().setKey(bytes("gone")).setModRevision(3).build());
    assertThat(delete.getPrevKv().getValue()).isEqualTo(bytes("x"));
  }

  @Test
  void rangesSelectOneKeyAPrefixOrEverythingFromAKey() {
    for (String key : List.of("a", "b", "foo/1", "foo/2", "foo0", "z")) {
      store.put(put(key, key));
    }
    assertThat(keys(store.range(get("foo/1")))).containsExactly("foo/1");
    assertThat(keys(store.range(prefix("foo/")))).containsExactly("foo/1", "foo/2");
    assertThat(keys(store.range(RangeRequest.newBuilder().setKey(bytes("foo0")).setRangeEnd(ALL).build())))
        .containsExactly("foo0", "z");
    assertThat(keys(store.range(RangeRequest.newBuilder().setKey(ALL).setRangeEnd(ALL).build())))
        .containsExactly("a", "b", "foo/1", "foo/2", "foo0", "z");
    // An end before the key selects nothing rather than failing.
    assertThat(store.range(RangeRequest.newBuilder().setKey(bytes("z")).setRangeEnd(bytes("a")).build())
        .getCount()).isZero();
  }

  @Test
  void keysOrderAsUnsignedBytes() {
    store.put(PutRequest.newBuilder().setKey(ByteString.copyFrom(new byte[] {(byte) 0xff})).build());
    store.put(put("a", ""));
    RangeResponse all = store.range(RangeRequest.newBuilder().setKey(ALL).setRangeEnd(ALL).build());
    assertThat(all.getKvs(0).getKey()).isEqualTo(bytes("a"));
    assertThat(all.getKvs(1).getKey().byteAt(0)).isEqualTo((byte) 0xff);

    store.put(PutRequest.newBuilder().setKey(ByteString.copyFrom(new byte[] {(byte) 0x80, 1})).build());
    RangeResponse high = store.range(RangeRequest.newBuilder()
        .setKey(ByteString.copyFrom(new byte[] {(byte) 0x80})).setRangeEnd(ByteString.copyFrom(new byte[] {(byte) 0xff}))
        .build());
    assertThat(high.getKvsList()).extracting(kv -> kv.getKey().byteAt(0)).containsExactly((byte) 0x80);
  }

  @Test
  void limitSetsMoreAndCountCountsTheWholeRange() {
    for (String key : List.of("p/a", "p/b", "p/c", "p/d")) {
      store.put(put(key, "v"));
    }
    RangeResponse page = store.range(prefix("p/").toBuilder().setLimit(2).build());
    assertThat(keys(page)).containsExactly("p/a", "p/b");
    assertThat(page.getMore()).isTrue();
    assertThat(page.getCount()).isEqualTo(4);

    RangeResponse last = store.range(RangeRequest.newBuilder().setKey(bytes("p/c"))
        .setRangeEnd(prefixEnd("p/")).setLimit(2).build());
    assertThat(keys(last)).containsExactly("p/c", "p/d");
    assertThat(last.getMore()).isFalse();

    RangeResponse counted = store.range(prefix("p/").toBuilder().setCountOnly(true).build());
    assertThat(counted.getKvsList()).isEmpty();
    assertThat(counted.getCount()).isEqualTo(4);

    RangeResponse keysOnly = store.range(prefix("p/").toBuilder().setKeysOnly(true).build());
    assertThat(keysOnly.getKvsList()).allSatisfy(kv -> assertThat(kv.getValue()).isEmpty());
    assertThat(keysOnly.getKvs(0).getModRevision()).isEqualTo(2);
  }

  @Test
  void sortsByTargetAndOrder() {
    store.put(put("a", "3"));
    store.put(put("b", "1"));
    store.put(put("c", "2"));
    store.put(put("a", "4"));
    RangeRequest all = RangeRequest.newBuilder().setKey(ALL).setRangeEnd(ALL).build();
    assertThat(keys(store.range(all.toBuilder().setSortOrder(RangeRequest.SortOrder.DESCEND).build())))
        .containsExactly("c", "b", "a");
    assertThat(keys(store.range(all.toBuilder().setSortTarget(RangeRequest.SortTarget.MOD)
        .setSortOrder(RangeRequest.SortOrder.DESCEND).build()))).containsExactly("a", "c", "b");
    assertThat(keys(store.range(all.toBuilder().setSortTarget(RangeRequest.SortTarget.VALUE).build())))
        .as("a non-key target with no order sorts ascending").containsExactly("b", "c", "a");
    assertThat(keys(store.range(all.toBuilder().setSortTarget(RangeRequest.SortTarget.VERSION)
        .setSortOrder(RangeRequest.SortOrder.DESCEND).setLimit(1).build()))).containsExactly("a");
  }

  @Test
  void readsAtAnOlderRevisionSeeThatRevision() {
    store.put(put("k", "v1"));
    store.put(put("k", "v2"));
    store.deleteRange(delete("k"));
    assertThat(only(get("k").toBuilder().setRevision(2).build()).getValue()).isEqualTo(bytes("v1"));
    assertThat(only(get("k").toBuilder().setRevision(3).build()).getValue()).isEqualTo(bytes("v2"));
    assertThat(store.range(get("k").toBuilder().setRevision(4).build()).getKvsList()).isEmpty();
    assertThat(store.range(get("k").toBuilder().setRevision(2).build()).getHeader().getRevision())
        .as("the header always carries the current revision").isEqualTo(4);
  }

  @Test
  void futureAndCompactedRevisionsFailWithEtcdsTexts() {
    store.put(put("k", "v1"));
    store.put(put("k", "v2"));
    store.put(put("k", "v3"));
    assertThatThrownBy(() -> store.range(get("k").toBuilder().setRevision(5).build()))
        .isInstanceOfSatisfying(StoreException.class,
            e -> assertThat(e.code()).isEqualTo(StoreException.Code.FUTURE_REVISION))
        .hasMessage("etcdserver: mvcc: required revision is a future revision");

    store.compact(CompactionRequest.newBuilder().setRevision(3).build());
    assertThat(store.compactRevision()).isEqualTo(3);
    assertThatThrownBy(() -> store.range(get("k").toBuilder().setRevision(2).build()))
        .isInstanceOfSatisfying(StoreException.class,
            e -> assertThat(e.code()).isEqualTo(StoreException.Code.COMPACTED))
        .hasMessage("etcdserver: mvcc: required revision has been compacted");
    assertThat(only(get("k").toBuilder().setRevision(3).build()).getValue()).isEqualTo(bytes("v2"));
    assertThat(only(get("k")).getValue()).isEqualTo(bytes("v3"));

    assertThatThrownBy(() -> store.compact(CompactionRequest.newBuilder().setRevision(3).build()))
        .hasMessage("etcdserver: mvcc: required revision has been compacted");
    assertThatThrownBy(() -> store.compact(CompactionRequest.newBuilder().setRevision(9).build()))
        .hasMessage("etcdserver: mvcc: required revision is a future revision");
  }

  @Test
  void compactionDropsDeletedKeysAndOldVersions() {
    store.put(put("a", "1"));
    store.put(put("a", "2"));
    store.put(put("b", "1"));
    store.deleteRange(delete("b"));
    store.put(put("c", "1"));
    assertThat(store.keptVersionCount()).isEqualTo(5);
    store.compact(CompactionRequest.newBuilder().setRevision(6).build());
    // a@3 and c@6 remain; b's versions and tombstone are gone.
    assertThat(store.keptVersionCount()).isEqualTo(2);
    assertThat(store.revision()).isEqualTo(6);
  }

  private void grantLeases(long... ids) {
    for (long id : ids) {
      store.leaseGrant(dev.capstan.etcd.etcdserverpb.LeaseGrantRequest.newBuilder().setID(id).setTTL(60).build());
    }
  }

  @Test
  void putOptions() {
    grantLeases(42, 7);
    var first = store.put(put("k", "v1").toBuilder().setLease(42).setPrevKv(true).build());
    assertThat(first.response().hasPrevKv()).isFalse();
    assertThat(only(get("k")).getLease()).isEqualTo(42);

    var second = store.put(put("k", "v2").toBuilder().setPrevKv(true).setIgnoreLease(true).build());
    assertThat(second.response().getPrevKv().getValue()).isEqualTo(bytes("v1"));
    assertThat(only(get("k")).getLease()).isEqualTo(42);

    store.put(PutRequest.newBuilder().setKey(bytes("k")).setIgnoreValue(true).setLease(7).build());
    KeyValue kv = only(get("k"));
    assertThat(kv.getValue()).isEqualTo(bytes("v2"));
    assertThat(kv.getLease()).isEqualTo(7);
    assertThat(kv.getVersion()).isEqualTo(3);

    assertThatThrownBy(() -> store.put(PutRequest.newBuilder().setKey(bytes("missing")).setIgnoreValue(true).build()))
        .hasMessage("etcdserver: key not found");
    assertThatThrownBy(() -> store.put(put("k", "v").toBuilder().setIgnoreValue(true).build()))
        .hasMessage("etcdserver: value is provided");
    assertThatThrownBy(() -> store.put(put("k", "v").toBuilder().setIgnoreLease(true).setLease(1).build()))
        .hasMessage("etcdserver: lease is provided");
    assertThat(store.revision()).isEqualTo(4);
  }

  @Test
  void deleteRangeReturnsPreviousValuesWhenAsked() {
    store.put(put("d/1", "a"));
    store.put(put("d/2", "b"));
    var deleted = store.deleteRange(DeleteRangeRequest.newBuilder().setKey(bytes("d/"))
        .setRangeEnd(prefixEnd("d/")).setPrevKv(true).build());
    assertThat(deleted.response().getDeleted()).isEqualTo(2);
    assertThat(deleted.response().getPrevKvsList()).extracting(kv -> kv.getValue().toStringUtf8())
        .containsExactly("a", "b");
    assertThat(deleted.revision()).isEqualTo(4);
  }

  @Test
  void txnComparesEveryTarget() {
    grantLeases(5);
    store.put(put("k", "v").toBuilder().setLease(5).build());
    store.put(put("k", "w").toBuilder().setLease(5).build());
    Compare.CompareResult eq = Compare.CompareResult.EQUAL;
    List<Compare> holding = List.of(
        compare("k", Compare.CompareTarget.VERSION, eq).toBuilder().setVersion(2).build(),
        compare("k", Compare.CompareTarget.CREATE, eq).toBuilder().setCreateRevision(2).build(),
        compare("k", Compare.CompareTarget.MOD, eq).toBuilder().setModRevision(3).build(),
        compare("k", Compare.CompareTarget.VALUE, eq).toBuilder().setValue(bytes("w")).build(),
        compare("k", Compare.CompareTarget.LEASE, eq).toBuilder().setLease(5).build(),
        compare("k", Compare.CompareTarget.MOD, Compare.CompareResult.GREATER).toBuilder().setModRevision(2).build(),
        compare("k", Compare.CompareTarget.VALUE, Compare.CompareResult.LESS).toBuilder().setValue(bytes("x")).build(),
        compare("k", Compare.CompareTarget.VERSION, Compare.CompareResult.NOT_EQUAL).toBuilder().setVersion(1).build(),
        compare("missing", Compare.CompareTarget.VERSION, eq).toBuilder().setVersion(0).build(),
        compare("missing", Compare.CompareTarget.CREATE, eq).toBuilder().setCreateRevision(0).build());
    for (Compare compare : holding) {
      TxnResponse response = store.txn(TxnRequest.newBuilder().addCompare(compare).build()).response();
      assertThat(response.getSucceeded()).as(compare.toString()).isTrue();
    }
    List<Compare> failing = List.of(
        compare("k", Compare.CompareTarget.VERSION, eq).toBuilder().setVersion(1).build(),
        compare("k", Compare.CompareTarget.VALUE, eq).toBuilder().setValue(bytes("v")).build(),
        // A missing key has no value, not even an empty one.
        compare("missing", Compare.CompareTarget.VALUE, eq).toBuilder().setValue(ByteString.EMPTY).build());
    for (Compare compare : failing) {
      TxnResponse response = store.txn(TxnRequest.newBuilder().addCompare(compare).build()).response();
      assertThat(response.getSucceeded()).as(compare.toString()).isFalse();
    }
  }

  @Test
  void rangeComparesMustHoldForEveryKeyInTheRange() {
    store.put(put("r/1", "x"));
    store.put(put("r/2", "x"));
    Compare allX = compare("r/", Compare.CompareTarget.VALUE, Compare.CompareResult.EQUAL).toBuilder()
        .setValue(bytes("x")).setRangeEnd(prefixEnd("r/")).build();
    assertThat(store.txn(TxnRequest.newBuilder().addCompare(allX).build()).response().getSucceeded()).isTrue();
    store.put(put("r/3", "y"));
    assertThat(store.txn(TxnRequest.newBuilder().addCompare(allX).build()).response().getSucceeded()).isFalse();
  }

  @Test
  void txnRunsTheBranchItsComparesChoseAndReadsSeeItsOwnWrites() {
    store.put(put("k", "1"));
    TxnRequest casFromRevision2 = TxnRequest.newBuilder()
        .addCompare(modEquals("k", 2))
        .addSuccess(op(put("k", "2")))
        .addSuccess(op(get("k")))
        .addFailure(op(get("k")))
        .build();

    var won = store.txn(casFromRevision2);
    assertThat(won.response().getSucceeded()).isTrue();
    assertThat(won.revision()).isEqualTo(3);
    var readInside = won.response().getResponses(1).getResponseRange();
    assertThat(readInside.getKvs(0).getValue()).isEqualTo(bytes("2"));
    assertThat(readInside.getHeader().getRevision()).isEqualTo(3);

    var lost = store.txn(casFromRevision2);
    assertThat(lost.response().getSucceeded()).isFalse();
    assertThat(lost.revision()).isEqualTo(3);
    assertThat(lost.response().getResponses(0).getResponseRange().getKvs(0).getModRevision()).isEqualTo(3);
  }

  @Test
  void nestedTxnComparesSeeTheStateBeforeTheOuterTxn() {
    store.put(put("k", "1"));
    TxnRequest nested = TxnRequest.newBuilder()
        .addSuccess(op(put("k", "2")))
        .addSuccess(RequestOp.newBuilder().setRequestTxn(TxnRequest.newBuilder()
            .addCompare(compare("k", Compare.CompareTarget.VALUE, Compare.CompareResult.EQUAL).toBuilder()
                .setValue(bytes("1")).build())
            .addSuccess(op(put("inner-success", "x")))
            .addFailure(op(put("inner-failure", "x")))))
        .build();
    var applied = store.txn(nested);
    assertThat(applied.response().getResponses(1).getResponseTxn().getSucceeded()).isTrue();
    assertThat(store.range(get("inner-success")).getCount()).isEqualTo(1);
    assertThat(store.range(get("inner-failure")).getCount()).isZero();
    assertThat(applied.events()).hasSize(2);
  }

  @Test
  void aTxnWhoseCheckFailsChangesNothing() {
    store.put(put("a", "1"));
    TxnRequest txn = TxnRequest.newBuilder()
        .addSuccess(op(put("b", "1")))
        .addSuccess(op(PutRequest.newBuilder().setKey(bytes("missing")).setIgnoreValue(true).build()))
        .build();
    assertThatThrownBy(() -> store.txn(txn)).hasMessage("etcdserver: key not found");
    assertThat(store.revision()).isEqualTo(2);
    assertThat(store.range(get("b")).getCount()).isZero();

    TxnRequest futureRead = TxnRequest.newBuilder()
        .addSuccess(op(put("b", "1")))
        .addSuccess(op(get("a").toBuilder().setRevision(99).build()))
        .build();
    assertThatThrownBy(() -> store.txn(futureRead)).hasMessage("etcdserver: mvcc: required revision is a future revision");
    assertThat(store.range(get("b")).getCount()).isZero();
  }

  @Test
  void aKeyPutAndDeletedInOneRevisionKeepsBothChangesInOrder() {
    store.put(put("k", "old"));
    // etcd allows this: the put and the delete sit in different nested txns.
    TxnRequest txn = TxnRequest.newBuilder()
        .addSuccess(RequestOp.newBuilder().setRequestTxn(TxnRequest.newBuilder().addSuccess(op(put("k", "new")))))
        .addSuccess(RequestOp.newBuilder().setRequestTxn(TxnRequest.newBuilder().addSuccess(op(delete("k")))))
        .build();
    var applied = store.txn(txn);
    assertThat(applied.events()).extracting(Event::getType)
        .containsExactly(Event.EventType.PUT, Event.EventType.DELETE);
    // As in etcd, an event's prev_kv is the value before the request, not the one the txn put.
    assertThat(applied.events().get(1).getPrevKv().getValue()).isEqualTo(bytes("old"));
    assertThat(store.range(get("k")).getCount()).isZero();

    MvccStoreModelTest.Recorder replay = new MvccStoreModelTest.Recorder();
    store.watch(dev.capstan.etcd.etcdserverpb.WatchCreateRequest.newBuilder().setKey(bytes("k"))
        .setStartRevision(3).setPrevKv(true).build(), replay);
    assertThat(replay.batches).singleElement().satisfies(batch -> {
      assertThat(batch.events().get(0).getPrevKv().getValue()).isEqualTo(bytes("old"));
      assertThat(batch.events().get(1).getPrevKv().getValue()).isEqualTo(bytes("old"));
    });
  }

  @Test
  void snapshotRestoresStateHistoryAndRevisions() throws IOException {
    store.put(put("a", "1"));
    store.put(put("a", "2"));
    grantLeases(9);
    store.put(put("b", "1").toBuilder().setLease(9).build());
    store.deleteRange(delete("b"));
    store.put(put("c", "1"));
    store.compact(CompactionRequest.newBuilder().setRevision(3).build());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    store.writeSnapshot(bytes);

    MvccStore restored = new MvccStore(Runnable::run);
    restored.restore(new ByteArrayInputStream(bytes.toByteArray()));
    assertThat(restored.revision()).isEqualTo(6);
    assertThat(restored.compactRevision()).isEqualTo(3);
    for (long revision = 3; revision <= 6; revision++) {
      RangeRequest all = RangeRequest.newBuilder().setKey(ALL).setRangeEnd(ALL).setRevision(revision).build();
      assertThat(restored.range(all)).isEqualTo(store.range(all));
    }
    assertThatThrownBy(() -> restored.range(get("a").toBuilder().setRevision(2).build()))
        .hasMessage("etcdserver: mvcc: required revision has been compacted");
    assertThat(restored.put(put("d", "1")).revision()).isEqualTo(7);
  }

  @Test
  void aCorruptSnapshotIsRefused() throws IOException {
    store.put(put("a", "1"));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    store.writeSnapshot(bytes);
    byte[] corrupt = bytes.toByteArray();
    corrupt[corrupt.length / 2] ^= 0x40;
    MvccStore target = new MvccStore(Runnable::run);
    assertThatThrownBy(() -> target.restore(new ByteArrayInputStream(corrupt))).isInstanceOf(IOException.class);
    assertThat(target.revision()).isEqualTo(1);
  }

  @Test
  void aClosedStoreRefusesRequests() {
    store.close();
    assertThatThrownBy(() -> store.put(put("a", "1")))
        .isInstanceOfSatisfying(StoreException.class,
            e -> assertThat(e.code()).isEqualTo(StoreException.Code.UNAVAILABLE));
    assertThatThrownBy(() -> store.range(get("a"))).isInstanceOf(StoreException.class);
  }

  @Test
  void applyDispatchesEachKindOfOperation() {
    assertThat(store.apply(op(put("a", "1"))).response().getResponsePut().getHeader().getRevision()).isEqualTo(2);
    assertThat(store.apply(op(get("a"))).response().getResponseRange().getCount()).isEqualTo(1);
    assertThat(store.apply(op(delete("a"))).response().getResponseDeleteRange().getDeleted()).isEqualTo(1);
    assertThat(store.apply(RequestOp.newBuilder().setRequestTxn(TxnRequest.getDefaultInstance()).build())
        .response().getResponseTxn().getSucceeded()).isTrue();
    assertThat(store.revision()).isEqualTo(3);
  }
}
