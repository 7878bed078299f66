package dev.capstan.store.mvcc;

import com.google.protobuf.ByteString;
import dev.capstan.etcd.etcdserverpb.CompactionRequest;
import dev.capstan.etcd.etcdserverpb.CompactionResponse;
import dev.capstan.etcd.etcdserverpb.Compare;
import dev.capstan.etcd.etcdserverpb.DeleteRangeRequest;
import dev.capstan.etcd.etcdserverpb.DeleteRangeResponse;
import dev.capstan.etcd.etcdserverpb.PutRequest;
import dev.capstan.etcd.etcdserverpb.PutResponse;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.etcd.etcdserverpb.RangeResponse;
import dev.capstan.etcd.etcdserverpb.RequestOp;
import dev.capstan.etcd.etcdserverpb.ResponseHeader;
import dev.capstan.etcd.etcdserverpb.ResponseOp;
import dev.capstan.etcd.etcdserverpb.TxnRequest;
import dev.capstan.etcd.etcdserverpb.TxnResponse;
import dev.capstan.etcd.mvccpb.Event;
import dev.capstan.etcd.mvccpb.KeyValue;
import dev.capstan.store.StoreErrors;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The obviously-correct model {@link MvccStore} is checked against: a full copy of the key space
 * for every revision, and the events each revision produced. Slow and memory-hungry on purpose.
 */
final class ReferenceKv {

  static final Comparator<ByteString> ORDER = ByteString.unsignedLexicographicalComparator();

  /** states.get(r) is the key space at revision r; index 0 is unused. */
  private final List<NavigableMap<ByteString, KeyValue>> states = new ArrayList<>();
  private final Map<Long, List<Event>> eventsByRevision = new HashMap<>();
  private long compactRevision;

  record Result<R>(R response, List<Event> events) {}

  ReferenceKv() {
    states.add(null);
    states.add(new TreeMap<>(ORDER));
  }

  long revision() {
    return states.size() - 1;
  }

  long compactRevision() {
    return compactRevision;
  }

  NavigableMap<ByteString, KeyValue> stateAt(long revision) {
    return states.get((int) revision);
  }

  /** The events of {@code revision} that history still holds (see {@link #compact}). */
  List<Event> eventsAt(long revision) {
    return eventsByRevision.getOrDefault(revision, List.of());
  }

  RangeResponse range(RangeRequest request) {
    RequestValidator.validateRange(request);
    return read(request, stateAt(revision()), revision());
  }

  Result<PutResponse> put(PutRequest request) {
    RequestValidator.validatePut(request);
    checkPut(request, stateAt(revision()));
    Working working = new Working();
    PutResponse response = working.put(request);
    return working.commit(response);
  }

  Result<DeleteRangeResponse> deleteRange(DeleteRangeRequest request) {
    RequestValidator.validateDeleteRange(request);
    Working working = new Working();
    DeleteRangeResponse response = working.delete(request);
    return working.commit(response);
  }

  Result<TxnResponse> txn(TxnRequest request) {
    RequestValidator.validateTxn(request);
    NavigableMap<ByteString, KeyValue> before = stateAt(revision());
    check(request, before);
    Working working = new Working();
    TxnResponse response = working.txn(request, before);
    return working.commit(response);
  }

  Result<CompactionResponse> compact(CompactionRequest request) {
    if (request.getRevision() <= compactRevision) {
      throw StoreErrors.compacted();
    }
    if (request.getRevision() > revision()) {
      throw StoreErrors.futureRevision();
    }
    compactRevision = request.getRevision();
    // As etcd: the deletes made at exactly the compacted revision leave history too (their keys
    // do not exist there), so a watch from that revision does not see them.
    eventsByRevision.computeIfPresent(compactRevision, (revision, events) ->
        events.stream().filter(event -> event.getType() != Event.EventType.DELETE).toList());
    return new Result<>(CompactionResponse.newBuilder().setHeader(header(revision())).build(), List.of());
  }

  // ---- semantics ----

  private static ResponseHeader header(long revision) {
    return ResponseHeader.newBuilder().setRevision(revision).build();
  }

  private static boolean inRange(ByteString key, ByteString from, ByteString end) {
    if (end.isEmpty()) {
      return key.equals(from);
    }
    if (ORDER.compare(key, from) < 0) {
      return false;
    }
    return (end.size() == 1 && end.byteAt(0) == 0) || ORDER.compare(key, end) < 0;
  }

  private static List<KeyValue> select(NavigableMap<ByteString, KeyValue> state, ByteString key, ByteString end) {
    List<KeyValue> out = new ArrayList<>();
    for (KeyValue kv : state.values()) {
      if (inRange(kv.getKey(), key, end)) {
        out.add(kv);
      }
    }
    return out;
  }

  private RangeResponse read(RangeRequest request, NavigableMap<ByteString, KeyValue> view, long viewRevision) {
    long at = request.getRevision() <= 0 ? viewRevision : request.getRevision();
    if (at > viewRevision) {
      throw StoreErrors.futureRevision();
    }
    if (at < compactRevision) {
      throw StoreErrors.compacted();
    }
    NavigableMap<ByteString, KeyValue> state = at == viewRevision ? view : stateAt(at);
    List<KeyValue> all = select(state, request.getKey(), request.getRangeEnd());
    long count = all.size();
    boolean sortsOrFilters = request.getSortOrder() != RangeRequest.SortOrder.NONE
        || request.getMinModRevision() != 0 || request.getMaxModRevision() != 0
        || request.getMinCreateRevision() != 0 || request.getMaxCreateRevision() != 0;
    if (request.getLimit() > 0 && !sortsOrFilters && all.size() > request.getLimit() + 1) {
      // etcd's quirk: with a limit and no explicit order, it reads limit+1 keys in key order
      // and only then applies a non-key sort target's implied ascending sort to those.
      all = all.subList(0, (int) request.getLimit() + 1);
    }
    List<KeyValue> kvs = new ArrayList<>();
    if (!request.getCountOnly()) {
      for (KeyValue kv : all) {
        if (request.getMaxModRevision() != 0 && kv.getModRevision() > request.getMaxModRevision()) {
          continue;
        }
        if (request.getMinModRevision() != 0 && kv.getModRevision() < request.getMinModRevision()) {
          continue;
        }
        if (request.getMaxCreateRevision() != 0 && kv.getCreateRevision() > request.getMaxCreateRevision()) {
          continue;
        }
        if (request.getMinCreateRevision() != 0 && kv.getCreateRevision() < request.getMinCreateRevision()) {
          continue;
        }
        kvs.add(kv);
      }
    }
    Comparator<KeyValue> byTarget = switch (request.getSortTarget()) {
      case KEY -> Comparator.comparing(KeyValue::getKey, ORDER);
      case VERSION -> Comparator.comparingLong(KeyValue::getVersion);
      case CREATE -> Comparator.comparingLong(KeyValue::getCreateRevision);
      case MOD -> Comparator.comparingLong(KeyValue::getModRevision);
      case VALUE -> Comparator.comparing(KeyValue::getValue, ORDER);
      default -> throw new AssertionError();
    };
    if (request.getSortOrder() == RangeRequest.SortOrder.DESCEND) {
      kvs.sort(byTarget.reversed());
    } else if (request.getSortOrder() == RangeRequest.SortOrder.ASCEND
        || request.getSortTarget() != RangeRequest.SortTarget.KEY) {
      kvs.sort(byTarget);
    }
    boolean more = false;
    if (request.getLimit() > 0 && kvs.size() > request.getLimit()) {
      kvs = new ArrayList<>(kvs.subList(0, (int) request.getLimit()));
      more = true;
    }
    RangeResponse.Builder response = RangeResponse.newBuilder()
        .setHeader(header(viewRevision)).setCount(count).setMore(more);
    for (KeyValue kv : kvs) {
      response.addKvs(request.getKeysOnly() ? kv.toBuilder().clearValue().build() : kv);
    }
    return response.build();
  }

  private static void checkPut(PutRequest request, NavigableMap<ByteString, KeyValue> state) {
    if ((request.getIgnoreValue() || request.getIgnoreLease()) && !state.containsKey(request.getKey())) {
      throw StoreErrors.keyNotFound();
    }
  }

  private static boolean compares(TxnRequest txn, NavigableMap<ByteString, KeyValue> state) {
    for (Compare compare : txn.getCompareList()) {
      List<KeyValue> kvs = select(state, compare.getKey(), compare.getRangeEnd());
      if (kvs.isEmpty()) {
        if (compare.getTarget() == Compare.CompareTarget.VALUE) {
          return false;
        }
        kvs = List.of(KeyValue.getDefaultInstance());
      }
      for (KeyValue kv : kvs) {
        int cmp;
        switch (compare.getTarget()) {
          case VALUE -> cmp = ORDER.compare(kv.getValue(), compare.getValue());
          case VERSION -> cmp = Long.compare(kv.getVersion(), compare.getVersion());
          case CREATE -> cmp = Long.compare(kv.getCreateRevision(), compare.getCreateRevision());
          case MOD -> cmp = Long.compare(kv.getModRevision(), compare.getModRevision());
          case LEASE -> cmp = Long.compare(kv.getLease(), compare.getLease());
          default -> throw new AssertionError();
        }
        boolean ok = switch (compare.getResult()) {
          case EQUAL -> cmp == 0;
          case NOT_EQUAL -> cmp != 0;
          case GREATER -> cmp > 0;
          case LESS -> cmp < 0;
          default -> throw new AssertionError();
        };
        if (!ok) {
          return false;
        }
      }
    }
    return true;
  }

  /** etcd checks every put of the chosen branches first, then every read. */
  private void check(TxnRequest txn, NavigableMap<ByteString, KeyValue> before) {
    check(txn, before, new TreeMap<>(before), true);
    check(txn, before, new TreeMap<>(before), false);
  }

  /**
   * One pass: the puts ({@code puts}) or the reads. {@code running}: the keys as the ops checked
   * so far leave them (values do not matter).
   */
  private void check(TxnRequest txn, NavigableMap<ByteString, KeyValue> before,
      NavigableMap<ByteString, KeyValue> running, boolean puts) {
    for (RequestOp op : compares(txn, before) ? txn.getSuccessList() : txn.getFailureList()) {
      if (op.hasRequestTxn()) {
        check(op.getRequestTxn(), before, running, puts);
      } else if (!puts) {
        if (op.hasRequestRange()) {
          long at = op.getRequestRange().getRevision();
          if (at > revision()) {
            throw StoreErrors.futureRevision();
          }
          if (at > 0 && at < compactRevision) {
            throw StoreErrors.compacted();
          }
        }
      } else if (op.hasRequestPut()) {
        checkPut(op.getRequestPut(), running);
        running.put(op.getRequestPut().getKey(), KeyValue.newBuilder().setKey(op.getRequestPut().getKey()).build());
      } else if (op.hasRequestDeleteRange()) {
        DeleteRangeRequest delete = op.getRequestDeleteRange();
        select(running, delete.getKey(), delete.getRangeEnd())
            .forEach(kv -> running.remove(kv.getKey()));
      }
    }
  }

  /** One request's changes on a copy of the current state. */
  private final class Working {
    final NavigableMap<ByteString, KeyValue> state = new TreeMap<>(stateAt(revision()));
    final long next = revision() + 1;
    final List<Event> events = new ArrayList<>();

    long view() {
      return events.isEmpty() ? revision() : next;
    }

    <R> Result<R> commit(R response) {
      if (!events.isEmpty()) {
        states.add(state);
        eventsByRevision.put(next, List.copyOf(events));
      }
      return new Result<>(response, List.copyOf(events));
    }

    PutResponse put(PutRequest request) {
      KeyValue previous = state.get(request.getKey());
      KeyValue kv = KeyValue.newBuilder()
          .setKey(request.getKey())
          .setValue(request.getIgnoreValue() ? previous.getValue() : request.getValue())
          .setLease(request.getIgnoreLease() ? previous.getLease() : request.getLease())
          .setCreateRevision(previous == null ? next : previous.getCreateRevision())
          .setModRevision(next)
          .setVersion(previous == null ? 1 : previous.getVersion() + 1)
          .build();
      state.put(request.getKey(), kv);
      Event.Builder event = Event.newBuilder().setType(Event.EventType.PUT).setKv(kv);
      if (previous != null) {
        event.setPrevKv(previous);
      }
      events.add(event.build());
      PutResponse.Builder response = PutResponse.newBuilder().setHeader(header(next));
      if (request.getPrevKv() && previous != null) {
        response.setPrevKv(previous);
      }
      return response.build();
    }

    DeleteRangeResponse delete(DeleteRangeRequest request) {
      List<KeyValue> doomed = select(state, request.getKey(), request.getRangeEnd());
      DeleteRangeResponse.Builder response = DeleteRangeResponse.newBuilder().setDeleted(doomed.size());
      for (KeyValue previous : doomed) {
        state.remove(previous.getKey());
        Event.Builder event = Event.newBuilder().setType(Event.EventType.DELETE)
            .setKv(KeyValue.newBuilder().setKey(previous.getKey()).setModRevision(next));
        // etcd's prev_kv: the value before the request, not one this txn put.
        KeyValue beforeRequest = stateAt(revision()).get(previous.getKey());
        if (beforeRequest != null) {
          event.setPrevKv(beforeRequest);
        }
        events.add(event.build());
        if (request.getPrevKv()) {
          response.addPrevKvs(previous);
        }
      }
      return response.setHeader(header(view())).build();
    }

    TxnResponse txn(TxnRequest request, NavigableMap<ByteString, KeyValue> before) {
      boolean succeeded = compares(request, before);
      TxnResponse.Builder response = TxnResponse.newBuilder().setSucceeded(succeeded);
      for (RequestOp op : succeeded ? request.getSuccessList() : request.getFailureList()) {
        ResponseOp.Builder result = ResponseOp.newBuilder();
        if (op.hasRequestRange()) {
          result.setResponseRange(read(op.getRequestRange(), state, view()));
        } else if (op.hasRequestPut()) {
          result.setResponsePut(put(op.getRequestPut()));
        } else if (op.hasRequestDeleteRange()) {
          result.setResponseDeleteRange(delete(op.getRequestDeleteRange()));
        } else {
          // etcd leaves a nested txn's header empty.
          result.setResponseTxn(txn(op.getRequestTxn(), before).toBuilder()
              .setHeader(ResponseHeader.getDefaultInstance()));
        }
        response.addResponses(result);
      }
      return response.setHeader(header(view())).build();
    }
  }
}
