package dev.capstan.store.mvcc;

import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.etcd.mvccpb.KeyValue;
import java.util.Comparator;
import java.util.List;

/**
 * A range's sort, as etcd applies it: results come in ascending key order already, so a sort by
 * key ascending is nothing to do, and a target other than key with no order means ascending. The
 * sort is stable, so ties stay in key order.
 */
final class RangeSort {

  private RangeSort() {}

  static void apply(List<KeyValue> kvs, RangeRequest.SortOrder order, RangeRequest.SortTarget target) {
    RangeRequest.SortOrder effective = order;
    if (target != RangeRequest.SortTarget.KEY && order == RangeRequest.SortOrder.NONE) {
      effective = RangeRequest.SortOrder.ASCEND;
    } else if (target == RangeRequest.SortTarget.KEY && order == RangeRequest.SortOrder.ASCEND) {
      effective = RangeRequest.SortOrder.NONE;
    }
    if (effective == RangeRequest.SortOrder.NONE) {
      return;
    }
    Comparator<KeyValue> comparator = switch (target) {
      case VERSION -> Comparator.comparingLong(KeyValue::getVersion);
      case CREATE -> Comparator.comparingLong(KeyValue::getCreateRevision);
      case MOD -> Comparator.comparingLong(KeyValue::getModRevision);
      case VALUE -> Comparator.comparing(KeyValue::getValue, KeyRange.KEY_ORDER);
      default -> Comparator.comparing(KeyValue::getKey, KeyRange.KEY_ORDER);
    };
    kvs.sort(effective == RangeRequest.SortOrder.DESCEND ? comparator.reversed() : comparator);
  }
}
