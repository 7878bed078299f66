package dev.capstan.store.mvcc;

import com.google.protobuf.ByteString;
import dev.capstan.etcd.etcdserverpb.Compare;
import dev.capstan.etcd.etcdserverpb.DeleteRangeRequest;
import dev.capstan.etcd.etcdserverpb.PutRequest;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.etcd.etcdserverpb.RequestOp;
import dev.capstan.etcd.etcdserverpb.TxnRequest;
import java.util.List;
import java.util.Random;

/** Random etcd requests over a small key space, so that keys collide and history piles up. */
final class RandomRequests {

  private static final List<String> KEYS =
      // two with bytes >= 0x80 (UTF-8 of é), which must order after every ASCII byte
      List.of("a", "b", "c", "d", "e", "p/1", "p/2", "p/3", "p/\u00e9", "p0", "q", "\u00e9");
  private static final ByteString ALL = ByteString.copyFrom(new byte[] {0});

  private final Random random;
  private final ReferenceKv model;

  RandomRequests(long seed, ReferenceKv model) {
    this.random = new Random(seed);
    this.model = model;
  }

  int nextInt(int bound) {
    return random.nextInt(bound);
  }

  ByteString key() {
    return ByteString.copyFromUtf8(KEYS.get(random.nextInt(KEYS.size())));
  }

  /** An empty range end (one key), "\0" (from key on), or another key (possibly before it). */
  ByteString rangeEnd() {
    return switch (random.nextInt(4)) {
      case 0 -> ByteString.EMPTY;
      case 1 -> ALL;
      case 2 -> ByteString.copyFromUtf8("p0");
      default -> key();
    };
  }

  ByteString value() {
    return random.nextInt(8) == 0 ? ByteString.EMPTY : ByteString.copyFromUtf8("v" + random.nextInt(6));
  }

  /** A revision around the interesting ones: 0, compacted, current, future. */
  long revision() {
    long current = model.revision();
    return switch (random.nextInt(5)) {
      case 0, 1 -> 0;
      case 2 -> Math.max(1, current - random.nextInt(6));
      case 3 -> Math.max(1, model.compactRevision() - 1 + random.nextInt(3));
      default -> current + random.nextInt(2);
    };
  }

  PutRequest put() {
    PutRequest.Builder put = PutRequest.newBuilder().setKey(key()).setPrevKv(random.nextBoolean());
    if (random.nextInt(6) == 0) {
      put.setIgnoreValue(true);
    } else {
      put.setValue(value());
    }
    if (random.nextInt(6) == 0) {
      put.setIgnoreLease(true);
    } else if (random.nextInt(3) == 0) {
      put.setLease(1 + random.nextInt(3));
    }
    return put.build();
  }

  DeleteRangeRequest delete() {
    return DeleteRangeRequest.newBuilder()
        .setKey(key()).setRangeEnd(rangeEnd()).setPrevKv(random.nextBoolean()).build();
  }

  RangeRequest range() {
    RangeRequest.Builder range = RangeRequest.newBuilder()
        .setKey(key()).setRangeEnd(rangeEnd()).setRevision(revision());
    if (random.nextInt(3) == 0) {
      range.setLimit(1 + random.nextInt(3));
    }
    if (random.nextInt(3) == 0) {
      range.setSortOrder(RangeRequest.SortOrder.forNumber(random.nextInt(3)));
      range.setSortTarget(RangeRequest.SortTarget.forNumber(random.nextInt(5)));
    }
    if (random.nextInt(6) == 0) {
      range.setKeysOnly(true);
    }
    if (random.nextInt(8) == 0) {
      range.setCountOnly(true);
    }
    if (random.nextInt(8) == 0) {
      range.setMinModRevision(Math.max(0, model.revision() - 5));
    }
    if (random.nextInt(8) == 0) {
      range.setMaxCreateRevision(Math.max(0, model.revision() - 3));
    }
    return range.build();
  }

  Compare compare() {
    Compare.Builder compare = Compare.newBuilder()
        .setKey(key())
        .setResult(Compare.CompareResult.forNumber(random.nextInt(4)));
    if (random.nextInt(5) == 0) {
      compare.setRangeEnd(rangeEnd());
    }
    long near = Math.max(0, model.revision() - random.nextInt(4));
    switch (random.nextInt(5)) {
      case 0 -> compare.setTarget(Compare.CompareTarget.VERSION).setVersion(random.nextInt(4));
      case 1 -> compare.setTarget(Compare.CompareTarget.CREATE).setCreateRevision(near);
      case 2 -> compare.setTarget(Compare.CompareTarget.MOD).setModRevision(near);
      case 3 -> compare.setTarget(Compare.CompareTarget.VALUE).setValue(value());
      default -> compare.setTarget(Compare.CompareTarget.LEASE).setLease(random.nextInt(3));
    }
    return compare.build();
  }

  TxnRequest txn(int depth) {
    TxnRequest.Builder txn = TxnRequest.newBuilder();
    int compares = random.nextInt(3);
    for (int i = 0; i < compares; i++) {
      txn.addCompare(compare());
    }
    int success = random.nextInt(4);
    for (int i = 0; i < success; i++) {
      txn.addSuccess(op(depth));
    }
    int failure = random.nextInt(3);
    for (int i = 0; i < failure; i++) {
      txn.addFailure(op(depth));
    }
    return txn.build();
  }

  RequestOp op(int depth) {
    return switch (random.nextInt(depth < 2 ? 5 : 4)) {
      case 0 -> RequestOp.newBuilder().setRequestRange(range()).build();
      case 1, 2 -> RequestOp.newBuilder().setRequestPut(put()).build();
      case 3 -> RequestOp.newBuilder().setRequestDeleteRange(delete()).build();
      default -> RequestOp.newBuilder().setRequestTxn(txn(depth + 1)).build();
    };
  }
}
