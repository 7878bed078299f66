package dev.capstan.store.mvcc;

import dev.capstan.etcd.etcdserverpb.Compare;
import dev.capstan.etcd.mvccpb.KeyValue;

/**
 * One txn compare against one key's value, as etcd evaluates it: the compare's target field is
 * read from the union only when it matches the target (otherwise 0 or empty), values compare as
 * unsigned bytes, and an unknown result passes.
 */
final class TxnCompare {

  private TxnCompare() {}

  static boolean matches(Compare compare, KeyValue kv) {
    int result;
    switch (compare.getTarget()) {
      case VALUE -> result = KeyRange.KEY_ORDER.compare(kv.getValue(),
          compare.hasValue() ? compare.getValue() : com.google.protobuf.ByteString.EMPTY);
      case CREATE -> result = Long.compare(kv.getCreateRevision(),
          compare.hasCreateRevision() ? compare.getCreateRevision() : 0);
      case MOD -> result = Long.compare(kv.getModRevision(),
          compare.hasModRevision() ? compare.getModRevision() : 0);
      case VERSION -> result = Long.compare(kv.getVersion(), compare.hasVersion() ? compare.getVersion() : 0);
      case LEASE -> result = Long.compare(kv.getLease(), compare.hasLease() ? compare.getLease() : 0);
      default -> result = 0;
    }
    return switch (compare.getResult()) {
      case EQUAL -> result == 0;
      case NOT_EQUAL -> result != 0;
      case GREATER -> result > 0;
      case LESS -> result < 0;
      default -> true;
    };
  }
}
