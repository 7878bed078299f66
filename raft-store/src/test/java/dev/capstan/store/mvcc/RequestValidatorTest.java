package dev.capstan.store.mvcc;

import static dev.capstan.store.EtcdRequests.ALL;
import static dev.capstan.store.EtcdRequests.bytes;
import static dev.capstan.store.EtcdRequests.delete;
import static dev.capstan.store.EtcdRequests.get;
import static dev.capstan.store.EtcdRequests.op;
import static dev.capstan.store.EtcdRequests.put;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.capstan.etcd.etcdserverpb.Compare;
import dev.capstan.etcd.etcdserverpb.DeleteRangeRequest;
import dev.capstan.etcd.etcdserverpb.PutRequest;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.etcd.etcdserverpb.RequestOp;
import dev.capstan.etcd.etcdserverpb.TxnRequest;
import dev.capstan.store.StoreException;
import org.junit.jupiter.api.Test;

class RequestValidatorTest {

  private static void rejected(Runnable call, StoreException.Code code, String message) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(StoreException.class,
        e -> org.assertj.core.api.Assertions.assertThat(e.code()).isEqualTo(code)).hasMessage(message);
  }

  private static RequestOp nested(TxnRequest txn) {
    return RequestOp.newBuilder().setRequestTxn(txn).build();
  }

  @Test
  void emptyKeysAreRejectedEverywhere() {
    String text = "etcdserver: key is not provided";
    rejected(() -> RequestValidator.validatePut(PutRequest.getDefaultInstance()),
        StoreException.Code.INVALID_ARGUMENT, text);
    rejected(() -> RequestValidator.validateRange(RangeRequest.getDefaultInstance()),
        StoreException.Code.INVALID_ARGUMENT, text);
    rejected(() -> RequestValidator.validateDeleteRange(DeleteRangeRequest.getDefaultInstance()),
        StoreException.Code.INVALID_ARGUMENT, text);
    rejected(() -> RequestValidator.validateTxn(TxnRequest.newBuilder()
        .addCompare(Compare.getDefaultInstance()).build()), StoreException.Code.INVALID_ARGUMENT, text);
    rejected(() -> RequestValidator.validateTxn(TxnRequest.newBuilder()
        .addSuccess(nested(TxnRequest.newBuilder().addFailure(op(PutRequest.getDefaultInstance())).build()))
        .build()), StoreException.Code.INVALID_ARGUMENT, text);
  }

  @Test
  void atMost128OperationsPerTxn() {
    TxnRequest.Builder txn = TxnRequest.newBuilder();
    for (int i = 0; i < 128; i++) {
      txn.addSuccess(op(put("k" + i, "v")));
    }
    assertThatCode(() -> RequestValidator.validateTxn(txn.build())).doesNotThrowAnyException();
    txn.addSuccess(op(put("k128", "v")));
    rejected(() -> RequestValidator.validateTxn(txn.build()), StoreException.Code.INVALID_ARGUMENT,
        "etcdserver: too many operations in txn request");
  }

  @Test
  void requestsOverOneAndAHalfMebibytesAreTooLarge() {
    ByteString big = ByteString.copyFrom(new byte[RequestValidator.MAX_REQUEST_BYTES]);
    rejected(() -> RequestValidator.validatePut(PutRequest.newBuilder().setKey(bytes("k")).setValue(big).build()),
        StoreException.Code.TOO_LARGE, "etcdserver: request is too large");
    ByteString fits = ByteString.copyFrom(new byte[RequestValidator.MAX_REQUEST_BYTES - 16]);
    assertThatCode(() -> RequestValidator.validatePut(PutRequest.newBuilder().setKey(bytes("k")).setValue(fits).build()))
        .doesNotThrowAnyException();
  }

  @Test
  void aTxnMayNotPutAKeyTwiceOrPutInsideADeletedRange() {
    String text = "etcdserver: duplicate key given in txn request";
    rejected(() -> RequestValidator.validateTxn(TxnRequest.newBuilder()
        .addSuccess(op(put("k", "1"))).addSuccess(op(put("k", "2"))).build()),
        StoreException.Code.INVALID_ARGUMENT, text);
    rejected(() -> RequestValidator.validateTxn(TxnRequest.newBuilder()
        .addSuccess(op(DeleteRangeRequest.newBuilder().setKey(bytes("a")).setRangeEnd(bytes("z")).build()))
        .addSuccess(op(put("k", "2"))).build()), StoreException.Code.INVALID_ARGUMENT, text);
    // etcd checks a delete to the end ("\0") as the literal, empty interval [a, "\0").
    assertThatCode(() -> RequestValidator.validateTxn(TxnRequest.newBuilder()
        .addSuccess(op(DeleteRangeRequest.newBuilder().setKey(bytes("a")).setRangeEnd(ALL).build()))
        .addSuccess(op(put("k", "2"))).build())).doesNotThrowAnyException();
    rejected(() -> RequestValidator.validateTxn(TxnRequest.newBuilder()
        .addSuccess(op(put("k", "1")))
        .addSuccess(nested(TxnRequest.newBuilder().addSuccess(op(put("k", "2"))).build())).build()),
        StoreException.Code.INVALID_ARGUMENT, text);
    // Different branches never both run, and success and failure lists are checked apart.
    assertThatCode(() -> RequestValidator.validateTxn(TxnRequest.newBuilder()
        .addSuccess(nested(TxnRequest.newBuilder()
            .addSuccess(op(put("k", "1"))).addFailure(op(put("k", "2"))).build()))
        .addFailure(op(put("k", "3"))).addFailure(op(delete("j")))
        .build())).doesNotThrowAnyException();
  }

  @Test
  void flagsThatContradictTheirFieldsAreRejected() {
    rejected(() -> RequestValidator.validatePut(put("k", "v").toBuilder().setIgnoreValue(true).build()),
        StoreException.Code.INVALID_ARGUMENT, "etcdserver: value is provided");
    rejected(() -> RequestValidator.validatePut(put("k", "v").toBuilder().setIgnoreLease(true).setLease(3).build()),
        StoreException.Code.INVALID_ARGUMENT, "etcdserver: lease is provided");
    rejected(() -> RequestValidator.validateRange(get("k").toBuilder().setSortOrderValue(7).build()),
        StoreException.Code.INVALID_ARGUMENT, "etcdserver: invalid sort option");
  }
}
