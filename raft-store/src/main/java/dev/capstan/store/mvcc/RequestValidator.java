package dev.capstan.store.mvcc;

import dev.capstan.etcd.etcdserverpb.Compare;
import dev.capstan.etcd.etcdserverpb.DeleteRangeRequest;
import dev.capstan.etcd.etcdserverpb.PutRequest;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.etcd.etcdserverpb.RequestOp;
import dev.capstan.etcd.etcdserverpb.TxnRequest;
import dev.capstan.store.StoreErrors;
import dev.capstan.store.StoreException;
import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The checks etcd makes on a request before it is proposed, which depend on the request alone:
 * non-empty keys, at most {@value #MAX_TXN_OPS} operations per txn level, at most
 * {@value #MAX_REQUEST_BYTES} bytes, no key put twice or put and deleted in one txn, sane flags.
 * Bindings run them before a request enters the log; {@link MvccStore} runs them again on apply.
 * Failures are {@link StoreException}s with etcd's texts.
 */
public final class RequestValidator {

  public static final int MAX_TXN_OPS = 128;
  /** etcd's default --max-request-bytes: 1.5 MiB. */
  public static final int MAX_REQUEST_BYTES = 1536 * 1024;

  private RequestValidator() {}

  public static void validate(RequestOp op) {
    checkSize(op);
    checkOp(op, MAX_TXN_OPS);
    if (op.hasRequestTxn()) {
      checkIntervals(op.getRequestTxn());
    }
  }

  public static void validateRange(RangeRequest request) {
    checkSize(request);
    checkRange(request);
  }

  public static void validatePut(PutRequest request) {
    checkSize(request);
    checkPut(request);
  }

  public static void validateDeleteRange(DeleteRangeRequest request) {
    checkSize(request);
    checkDelete(request);
  }

  public static void validateTxn(TxnRequest request) {
    checkSize(request);
    checkTxn(request, MAX_TXN_OPS);
    checkIntervals(request);
  }

  private static void checkSize(MessageLite request) {
    if (request.getSerializedSize() > MAX_REQUEST_BYTES) {
      throw StoreErrors.requestTooLarge();
    }
  }

  private static void checkRange(RangeRequest request) {
    if (request.getKey().isEmpty()) {
      throw StoreErrors.emptyKey();
    }
    if (request.getSortOrder() == RangeRequest.SortOrder.UNRECOGNIZED
        || request.getSortTarget() == RangeRequest.SortTarget.UNRECOGNIZED) {
      throw StoreErrors.invalidSortOption();
    }
  }

  private static void checkPut(PutRequest request) {
    if (request.getKey().isEmpty()) {
      throw StoreErrors.emptyKey();
    }
    if (request.getIgnoreValue() && !request.getValue().isEmpty()) {
      throw StoreErrors.valueProvided();
    }
    if (request.getIgnoreLease() && request.getLease() != 0) {
      throw StoreErrors.leaseProvided();
    }
  }

  private static void checkDelete(DeleteRangeRequest request) {
    if (request.getKey().isEmpty()) {
      throw StoreErrors.emptyKey();
    }
  }

  private static void checkTxn(TxnRequest txn, int maxOps) {
    int ops = Math.max(txn.getCompareCount(), Math.max(txn.getSuccessCount(), txn.getFailureCount()));
    if (ops > maxOps) {
      throw StoreErrors.tooManyOps();
    }
    for (Compare compare : txn.getCompareList()) {
      if (compare.getKey().isEmpty()) {
        throw StoreErrors.emptyKey();
      }
    }
    for (RequestOp op : txn.getSuccessList()) {
      checkOp(op, maxOps - ops);
    }
    for (RequestOp op : txn.getFailureList()) {
      checkOp(op, maxOps - ops);
    }
  }

  private static void checkOp(RequestOp op, int maxOps) {
    switch (op.getRequestCase()) {
      case REQUEST_RANGE -> checkRange(op.getRequestRange());
      case REQUEST_PUT -> checkPut(op.getRequestPut());
      case REQUEST_DELETE_RANGE -> checkDelete(op.getRequestDeleteRange());
      case REQUEST_TXN -> checkTxn(op.getRequestTxn(), maxOps);
      // etcd answers an empty operation this way too
      case REQUEST_NOT_SET -> throw StoreErrors.keyNotFound();
    }
  }

  private static void checkIntervals(TxnRequest txn) {
    collectWrites(txn.getSuccessList());
    collectWrites(txn.getFailureList());
  }

  /** The keys one branch puts and the ranges it deletes, as far as they may both run. */
  private record Writes(Set<ByteString> puts, List<KeyRange> deletes) {
    boolean deletes(ByteString key) {
      for (KeyRange range : deletes) {
        if (range.contains(key)) {
          return true;
        }
      }
      return false;
    }
  }

  /**
   * etcd's rule: within what may run together, a key is put at most once and never put inside a
   * deleted range (a range deleted to the end, "\0", does not count, as in etcd). The success and
   * failure branches of a nested txn exclude each other, so they may put the same key.
   */
  private static Writes collectWrites(List<RequestOp> ops) {
    Writes writes = new Writes(new HashSet<>(), new ArrayList<>());
    for (RequestOp op : ops) {
      if (op.hasRequestDeleteRange()) {
        DeleteRangeRequest delete = op.getRequestDeleteRange();
        KeyRange deleted = KeyRange.of(delete.getKey(), delete.getRangeEnd());
        // etcd checks against the literal interval [key, "\0"), which holds no key: a delete to
        // the end of the key space conflicts with no put. Bug-compatible on purpose.
        if (!deleted.isOpenEnded()) {
          writes.deletes().add(deleted);
        }
      }
    }
    for (RequestOp op : ops) {
      if (!op.hasRequestTxn()) {
        continue;
      }
      Writes then = collectWrites(op.getRequestTxn().getSuccessList());
      Writes otherwise = collectWrites(op.getRequestTxn().getFailureList());
      for (ByteString key : then.puts()) {
        if (writes.puts().contains(key) || writes.deletes(key)) {
          throw StoreErrors.duplicateKey();
        }
        writes.puts().add(key);
      }
      for (ByteString key : otherwise.puts()) {
        if ((writes.puts().contains(key) && !then.puts().contains(key)) || writes.deletes(key)) {
          throw StoreErrors.duplicateKey();
        }
        writes.puts().add(key);
      }
      writes.deletes().addAll(then.deletes());
      writes.deletes().addAll(otherwise.deletes());
    }
    for (RequestOp op : ops) {
      if (!op.hasRequestPut()) {
        continue;
      }
      ByteString key = op.getRequestPut().getKey();
      if (writes.puts().contains(key) || writes.deletes(key)) {
        throw StoreErrors.duplicateKey();
      }
      writes.puts().add(key);
    }
    return writes;
  }
}
