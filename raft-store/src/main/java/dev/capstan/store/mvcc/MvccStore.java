package dev.capstan.store.mvcc;

import com.google.protobuf.ByteString;
import dev.capstan.etcd.etcdserverpb.CompactionRequest;
import dev.capstan.etcd.etcdserverpb.CompactionResponse;
import dev.capstan.etcd.etcdserverpb.Compare;
import dev.capstan.etcd.etcdserverpb.DeleteRangeRequest;
import dev.capstan.etcd.etcdserverpb.DeleteRangeResponse;
import dev.capstan.etcd.etcdserverpb.LeaseGrantRequest;
import dev.capstan.etcd.etcdserverpb.LeaseGrantResponse;
import dev.capstan.etcd.etcdserverpb.LeaseKeepAliveRequest;
import dev.capstan.etcd.etcdserverpb.LeaseKeepAliveResponse;
import dev.capstan.etcd.etcdserverpb.LeaseLeasesResponse;
import dev.capstan.etcd.etcdserverpb.LeaseRevokeRequest;
import dev.capstan.etcd.etcdserverpb.LeaseRevokeResponse;
import dev.capstan.etcd.etcdserverpb.LeaseStatus;
import dev.capstan.etcd.etcdserverpb.LeaseTimeToLiveRequest;
import dev.capstan.etcd.etcdserverpb.LeaseTimeToLiveResponse;
import dev.capstan.etcd.etcdserverpb.PutRequest;
import dev.capstan.etcd.etcdserverpb.PutResponse;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.etcd.etcdserverpb.RangeResponse;
import dev.capstan.etcd.etcdserverpb.RequestOp;
import dev.capstan.etcd.etcdserverpb.ResponseHeader;
import dev.capstan.etcd.etcdserverpb.ResponseOp;
import dev.capstan.etcd.etcdserverpb.TxnRequest;
import dev.capstan.etcd.etcdserverpb.TxnResponse;
import dev.capstan.etcd.etcdserverpb.WatchCreateRequest;
import dev.capstan.etcd.mvccpb.Event;
import dev.capstan.etcd.mvccpb.KeyValue;
import dev.capstan.store.StoreErrors;
import dev.capstan.store.StoreException;
import dev.capstan.store.StoreWatch;
import dev.capstan.store.StoreWatchListener;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A multi-version key-value map with etcd v3 semantics, spoken in etcd's messages: the
 * deterministic core that every store binding (local, Ratis) applies requests to.
 *
 * <p>Semantics, as etcd's:
 * <ul>
 *   <li>The revision starts at 1 and grows by one per request that changes something; every
 *       change of one request carries that revision. A request that changes nothing (a txn of
 *       reads, a delete of nothing) leaves it alone.</li>
 *   <li>Each key has create_revision, mod_revision and version (1 on creation, +1 per put); a
 *       delete ends the key, and a later put creates it anew.</li>
 *   <li>Reads at an older revision see that revision's state, as long as it is not below the
 *       compacted revision ({@link StoreException.Code#COMPACTED}) nor above the current one
 *       ({@link StoreException.Code#FUTURE_REVISION}).</li>
 *   <li>A txn evaluates all its compares, nested ones included, against the state before it, then
 *       checks the chosen operations, then applies them in order; reads inside it see its earlier
 *       writes. A failing check fails the whole txn with no change.</li>
 *   <li>Compaction drops the versions no read at or after the compacted revision needs.</li>
 *   <li>Leases: a grant (with a given ID, or one derived from the state) and a revoke are
 *       applied like writes; a put may attach its key to a lease, and revoking the lease deletes
 *       its keys in one revision. Granting and revoking a lease with no keys leaves the revision
 *       alone.</li>
 * </ul>
 *
 * <p>When a lease runs out is not replicated state: only a store that was
 * {@linkplain #promoteLeases() promoted} (the Raft leader's) tracks deadlines, on the injected
 * {@link Clock}, and reports {@linkplain #takeExpiredLeases expired} leases for its owner to revoke
 * through the log. Keep-alives and remaining TTLs are answered by the promoted store only.
 *
 * <p>Mutations are applied one at a time under a write lock; reads share a read lock, so the
 * store is safe to use from many threads. Watches are fed from each applied change and replay
 * kept history for start revisions in the past; their listeners run on the executor given at
 * construction, never under the store's lock unless that executor runs tasks inline.
 *
 * <p>Deterministic: the same requests in the same order give the same responses, revisions and
 * events, which is what lets every Raft peer apply the log to its own copy.
 */
public final class MvccStore implements AutoCloseable {

  /** Revisions replayed per step when a watch catches up from history. */
  private static final int REPLAY_WINDOW = 1000;

  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final WatchHub watchHub;

  // Guarded by lock.
  private NavigableMap<StoreKey, KeyHistory> keys = new TreeMap<>();
  /** The changes of each revision at or after the compacted one, in the order they were made. */
  private RevisionLog changesByRevision = new RevisionLog();
  private long revision = 1;
  private long compactRevision = 0;
  /**
   * The serialized size of every kept key version, kept up to date as versions are added and
   * compacted away, so that reporting it (etcd's Maintenance.Status dbSize) costs nothing; written
   * under the write lock only.
   */
  private volatile long keptBytes;
  /** Granted leases by ID; a TreeMap so that snapshots and listings are in one order everywhere. */
  private NavigableMap<Long, Lease> leases = new TreeMap<>();
  private boolean closed;
  /** Leader-local deadlines; not replicated, so not guarded by {@link #lock}. */
  private final LeaseExpiry expiry;

  /** A store whose watch listeners run on {@code watchExecutor}, timing leases by the system clock. */
  public MvccStore(Executor watchExecutor) {
    this(watchExecutor, WatchHub.DEFAULT_MAX_QUEUED_DELIVERIES, Clock.systemUTC());
  }

  /** A store whose watch listeners run on {@code watchExecutor}, timing leases by {@code clock}. */
  public MvccStore(Executor watchExecutor, Clock clock) {
    this(watchExecutor, WatchHub.DEFAULT_MAX_QUEUED_DELIVERIES, clock);
  }

  /** As {@link #MvccStore(Executor, int, Clock)} on the system clock. */
  public MvccStore(Executor watchExecutor, int maxQueuedDeliveries) {
    this(watchExecutor, maxQueuedDeliveries, Clock.systemUTC());
  }

  /**
   * As {@link #MvccStore(Executor, Clock)}, switching a watch to replay from history once it has
   * {@code maxQueuedDeliveries} revisions waiting for its listener.
   */
  public MvccStore(Executor watchExecutor, int maxQueuedDeliveries, Clock clock) {
    Objects.requireNonNull(watchExecutor, "watchExecutor");
    this.expiry = new LeaseExpiry(clock);
    if (maxQueuedDeliveries < 1) {
      throw new IllegalArgumentException("maxQueuedDeliveries must be >= 1, got " + maxQueuedDeliveries);
    }
    this.watchHub = new WatchHub(watchExecutor, this::replay, maxQueuedDeliveries);
  }

  /** The current revision. */
  public long revision() {
    return readLocked(() -> revision);
  }

  /** The revision compacted up to (0 if never compacted); reads below it fail. */
  public long compactRevision() {
    return readLocked(() -> compactRevision);
  }

  /** Number of key versions held (live values, history and tombstones), for tests and metrics. */
  public long keptVersionCount() {
    return readLocked(() -> {
      long count = 0;
      for (KeyHistory history : keys.values()) {
        count += history.versions().size();
      }
      return count;
    });
  }

  /** Approximate bytes held: the serialized size of every kept key version. Takes no lock. */
  public long approximateSizeBytes() {
    return keptBytes;
  }

  /** {@link #approximateSizeBytes} counted afresh, walking every kept version. */
  long countSizeBytes() {
    return readLocked(() -> sizeOf(keys));
  }

  private static long sizeOf(NavigableMap<StoreKey, KeyHistory> histories) {
    long bytes = 0;
    for (KeyHistory history : histories.values()) {
      bytes += history.sizeBytes();
    }
    return bytes;
  }

  private Lease requireLease(long id) {
    Lease lease = leases.get(id);
    if (lease == null) {
      throw StoreErrors.leaseNotFound();
    }
    return lease;
  }

  /** Runs {@code read} under the read lock: many readers at once, none during a write. */
  private <T> T readLocked(Supplier<T> read) {
    lock.readLock().lock();
    try {
      return read.get();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Number of watches currently registered. */
  public int watchCount() {
    return watchHub.size();
  }

  // ---------------------------------------------------------------- reads

  public RangeResponse range(RangeRequest request) {
    RequestValidator.validateRange(request);
    return readLocked(() -> {
      checkOpen();
      return readRange(request, revision);
    });
  }

  // ---------------------------------------------------------------- writes

  public Applied<PutResponse> put(PutRequest request) {
    RequestValidator.validatePut(request);
    return write(change -> {
      checkPut(request);
      return change.put(request);
    });
  }

  public Applied<DeleteRangeResponse> deleteRange(DeleteRangeRequest request) {
    RequestValidator.validateDeleteRange(request);
    return write(change -> change.deleteRange(request));
  }

  public Applied<TxnResponse> txn(TxnRequest request) {
    RequestValidator.validateTxn(request);
    if (isReadOnly(request)) {
      lock.readLock().lock();
      try {
        checkOpen();
        TxnPath path = evaluate(request);
        checkRequests(request, path);
        return new Applied<>(new Change().txn(request, path), revision, List.of());
      } finally {
        lock.readLock().unlock();
      }
    }
    return write(change -> {
      TxnPath path = evaluate(request);
      checkRequests(request, path);
      return change.txn(request, path);
    });
  }

  /** Applies a put, delete-range, txn or range given as one etcd operation. */
  public Applied<ResponseOp> apply(RequestOp op) {
    switch (op.getRequestCase()) {
      case REQUEST_RANGE:
        return new Applied<>(
            ResponseOp.newBuilder().setResponseRange(range(op.getRequestRange())).build(),
            revision(), List.of());
      case REQUEST_PUT: {
        Applied<PutResponse> applied = put(op.getRequestPut());
        return new Applied<>(ResponseOp.newBuilder().setResponsePut(applied.response()).build(),
            applied.revision(), applied.events());
      }
      case REQUEST_DELETE_RANGE: {
        Applied<DeleteRangeResponse> applied = deleteRange(op.getRequestDeleteRange());
        return new Applied<>(
            ResponseOp.newBuilder().setResponseDeleteRange(applied.response()).build(),
            applied.revision(), applied.events());
      }
      case REQUEST_TXN: {
        Applied<TxnResponse> applied = txn(op.getRequestTxn());
        return new Applied<>(ResponseOp.newBuilder().setResponseTxn(applied.response()).build(),
            applied.revision(), applied.events());
      }
      default:
        throw StoreErrors.keyNotFound();
    }
  }

  /**
   * Compacts history up to {@code revision}: afterwards reads and watches below it fail with
   * {@link StoreException.Code#COMPACTED}. The revision itself does not change.
   */
  public Applied<CompactionResponse> compact(CompactionRequest request) {
    lock.writeLock().lock();
    try {
      checkOpen();
      long target = request.getRevision();
      if (target <= compactRevision) {
        throw StoreErrors.compacted();
      }
      if (target > revision) {
        throw StoreErrors.futureRevision();
      }
      // Only keys changed since the last compaction can hold versions that are now unneeded.
      Set<StoreKey> touched = new HashSet<>();
      changesByRevision.forEach(compactRevision, target, (at, changes) -> {
        for (KeyRevision change : changes) {
          touched.add(StoreKey.of(change.kv().getKey()));
        }
      });
      for (StoreKey key : touched) {
        KeyHistory history = keys.get(key);
        if (history != null) {
          keptBytes -= history.compact(target);
          if (history.isEmpty()) {
            keys.remove(key);
          }
        }
      }
      changesByRevision.dropBefore(target);
      // The deletes at the compact revision itself are gone from the keys' histories too (as in
      // etcd): a watch replaying from there must not see them.
      changesByRevision.update(target,
          changes -> changes.stream().filter(change -> !change.tombstone()).toList());
      compactRevision = target;
      return new Applied<>(
          CompactionResponse.newBuilder().setHeader(header(revision)).build(), revision, List.of());
    } finally {
      lock.writeLock().unlock();
    }
  }

  // ---------------------------------------------------------------- leases

  /** etcd's largest lease TTL, in seconds. */
  public static final long MAX_LEASE_TTL = 9_000_000_000L;
  /**
   * The shortest TTL a lease gets, in seconds; shorter requests are raised to it, as etcd does,
   * so a lease outlives a leader election.
   */
  public static final long MIN_LEASE_TTL = 2;

  /**
   * Grants a lease with the request's ID, or with an ID derived from the store's state when it
   * is 0 (the same on every peer). Fails with LEASE_EXISTS for an ID in use.
   */
  public Applied<LeaseGrantResponse> leaseGrant(LeaseGrantRequest request) {
    if (request.getTTL() > MAX_LEASE_TTL) {
      throw StoreErrors.leaseTtlTooLarge();
    }
    lock.writeLock().lock();
    try {
      checkOpen();
      long id = request.getID() != 0 ? request.getID() : unusedLeaseId();
      if (leases.containsKey(id)) {
        throw StoreErrors.leaseExists();
      }
      long ttl = Math.max(MIN_LEASE_TTL, request.getTTL());
      leases.put(id, new Lease(id, ttl));
      expiry.arm(id, ttl);
      return new Applied<>(LeaseGrantResponse.newBuilder().setHeader(header(revision)).setID(id).setTTL(ttl).build(),
          revision, List.of());
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** A positive ID no lease holds, from a mix of the revision and lease count (deterministic). */
  private long unusedLeaseId() {
    long seed = revision * 0x9E3779B97F4A7C15L + leases.size();
    while (true) {
      long z = (seed += 0x9E3779B97F4A7C15L);
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      long id = (z ^ (z >>> 31)) & Long.MAX_VALUE;
      if (id != 0 && !leases.containsKey(id)) {
        return id;
      }
    }
  }

  /** Revokes a lease and deletes its keys, all in one revision. Fails with LEASE_NOT_FOUND. */
  public Applied<LeaseRevokeResponse> leaseRevoke(LeaseRevokeRequest request) {
    return write(change -> {
      Lease lease = requireLease(request.getID());
      change.revoke(lease);
      return LeaseRevokeResponse.newBuilder().setHeader(header(change.viewRevision())).build();
    });
  }

  /**
   * Restarts a lease's TTL. Only a promoted store keeps deadlines, so any other fails with
   * NO_LEADER; an unknown lease fails with LEASE_NOT_FOUND.
   */
  public LeaseKeepAliveResponse leaseKeepAlive(LeaseKeepAliveRequest request) {
    return readLocked(() -> {
      checkOpen();
      Lease lease = requireLease(request.getID());
      if (!expiry.arm(lease.id(), lease.ttl())) {
        throw StoreErrors.noLeader(null);
      }
      return LeaseKeepAliveResponse.newBuilder().setHeader(header(revision)).setID(lease.id()).setTTL(lease.ttl())
          .build();
    });
  }

  /**
   * A lease's granted and remaining TTL (and keys, if asked). The remaining TTL is the promoted
   * store's; elsewhere it is reported as the granted TTL. Fails with LEASE_NOT_FOUND.
   */
  public LeaseTimeToLiveResponse leaseTimeToLive(LeaseTimeToLiveRequest request) {
    return readLocked(() -> {
      checkOpen();
      Lease lease = requireLease(request.getID());
      OptionalLong remaining = expiry.remaining(lease.id());
      LeaseTimeToLiveResponse.Builder response = LeaseTimeToLiveResponse.newBuilder().setHeader(header(revision))
          .setID(lease.id()).setGrantedTTL(lease.ttl()).setTTL(remaining.orElse(lease.ttl()));
      if (request.getKeys()) {
        response.addAllKeys(lease.keys());
      }
      return response.build();
    });
  }

  /** Every granted lease, by ascending ID. */
  public LeaseLeasesResponse leaseLeases() {
    return readLocked(() -> {
      checkOpen();
      LeaseLeasesResponse.Builder response = LeaseLeasesResponse.newBuilder().setHeader(header(revision));
      for (long id : leases.keySet()) {
        response.addLeases(LeaseStatus.newBuilder().setID(id));
      }
      return response.build();
    });
  }

  /**
   * Makes this store the one that times leases (its peer became the ready leader): every lease
   * runs its full TTL from now.
   */
  public void promoteLeases() {
    lock.readLock().lock();
    try {
      expiry.promote(leaseTtls());
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Stops timing leases (its peer is no longer the leader). */
  public void demoteLeases() {
    expiry.demote();
  }

  /** Whether this store times leases. */
  public boolean leasesPromoted() {
    return expiry.isPrimary();
  }

  /**
   * Up to {@code max} leases that ran out, for the owner to revoke through the log. A lease is
   * reported again after {@code LeaseExpiry.REVOKE_RETRY} if it still exists then.
   */
  public List<Long> takeExpiredLeases(int max) {
    return expiry.takeExpired(max);
  }

  // ---------------------------------------------------------------- watches

  /**
   * Watches a key or range from {@code start_revision} (inclusive; 0 = changes after now). Past
   * revisions are replayed from kept history, then changes follow live. A start revision below
   * the compacted one ends the watch with {@link StoreWatchListener#onCompacted}.
   */
  public StoreWatch watch(WatchCreateRequest request, StoreWatchListener listener) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(listener, "listener");
    lock.readLock().lock();
    try {
      checkOpen();
      long start = request.getStartRevision();
      if (start > 0 && start < compactRevision) {
        Watcher watcher = watchHub.create(request, start, listener);
        watcher.end(new WatchDelivery.Compacted(compactRevision));
        return watcher;
      }
      boolean live = start <= 0 || start > revision;
      Watcher watcher = watchHub.create(request, start <= 0 ? revision + 1 : start, listener);
      watchHub.add(watcher);
      if (live) {
        watcher.markSynced();
      } else {
        watcher.resync();
      }
      return watcher;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Sends a progress notification at the current revision to idle watches that asked for them. */
  public void notifyProgress() {
    lock.readLock().lock();
    try {
      if (!closed) {
        watchHub.notifyProgress(revision);
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Replays history into a watch that is not live yet; runs on the watch's delivery task. */
  private void replay(Watcher watcher) {
    lock.readLock().lock();
    try {
      if (closed) {
        watcher.end(new WatchDelivery.Failed(StoreErrors.unavailable("store is closed")));
        return;
      }
      long from = watcher.replayFrom();
      if (from < 0) {
        return;
      }
      if (from < compactRevision) {
        watcher.end(new WatchDelivery.Compacted(compactRevision));
        return;
      }
      long to = Math.min(revision, from + REPLAY_WINDOW - 1);
      if (from <= to) {
        changesByRevision.forEach(from, to, (at, changes) -> {
          List<Event> events = new ArrayList<>(0);
          for (KeyRevision change : changes) {
            ByteString key = change.kv().getKey();
            if (!watcher.range().contains(key)) {
              continue;
            }
            Event event = replayedEvent(change, watcher.wantsPrevKv());
            if (watcher.accepts(event)) {
              events.add(event);
            }
          }
          watcher.enqueueReplayed(at, events);
        });
      }
      watcher.replayedThrough(Math.max(to, from - 1), to >= revision);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * A kept change as a watch event. Its prev_kv is, as etcd computes it, the key's value before
   * the request that made the change (at revision - 1, while that is not compacted); a creation
   * has none.
   */
  private Event replayedEvent(KeyRevision change, boolean withPrevKv) {
    Event.Builder event = Event.newBuilder()
        .setType(change.tombstone() ? Event.EventType.DELETE : Event.EventType.PUT)
        .setKv(change.kv());
    boolean creation = !change.tombstone() && change.kv().getVersion() == 1;
    if (withPrevKv && !creation && change.revision() > compactRevision) {
      KeyHistory history = keys.get(StoreKey.of(change.kv().getKey()));
      KeyValue previous = history == null ? null : history.valueAt(change.revision() - 1);
      if (previous != null) {
        event.setPrevKv(previous);
      }
    }
    return event.build();
  }

  // ---------------------------------------------------------------- snapshots

  /**
   * Writes the whole state (kept history included) so {@link #restore} can rebuild it; returns
   * the revision written.
   */
  public long writeSnapshot(OutputStream out) throws IOException {
    MvccSnapshotImage image = snapshotImage();
    image.writeTo(out);
    return image.revision();
  }

  /**
   * A copy of the whole state at the current revision, to be written while the store goes on
   * applying: the read lock is held only for the copy (the versions are immutable and shared, so
   * the copy costs a list per key), not for serializing and syncing megabytes.
   */
  public MvccSnapshotImage snapshotImage() {
    lock.readLock().lock();
    try {
      checkOpen();
      TreeMap<StoreKey, KeyHistory> copy = new TreeMap<>(keys);
      copy.replaceAll((key, history) -> history.copy());
      return new MvccSnapshotImage(revision, compactRevision, copy, leaseTtls());
    } finally {
      lock.readLock().unlock();
    }
  }

  /** What a snapshot file holds, as {@link #verifySnapshot} found it. */
  public record SnapshotSummary(long revision, long compactRevision, int liveKeys, int leases) {}

  /**
   * Reads a whole snapshot as {@link #writeSnapshot} wrote it, checking its framing and CRC32
   * without building a store; throws if it is truncated, corrupt or followed by other bytes.
   */
  public static SnapshotSummary verifySnapshot(InputStream in) throws IOException {
    MvccSnapshotFormat.Contents contents = MvccSnapshotFormat.readWhole(in);
    int live = 0;
    for (KeyHistory history : contents.keys().values()) {
      if (history.current() != null) {
        live++;
      }
    }
    return new SnapshotSummary(contents.revision(), contents.compactRevision(), live, contents.leaseTtls().size());
  }

  /**
   * Replaces the whole state with a snapshot's. Watches stay registered and replay whatever the
   * new state's history holds from where they were (or end as compacted if it holds too little).
   */
  public void restore(InputStream in) throws IOException {
    MvccSnapshotFormat.Contents contents = MvccSnapshotFormat.read(in);
    NavigableMap<Long, List<KeyRevision>> changes = new TreeMap<>();
    for (KeyHistory history : contents.keys().values()) {
      for (KeyRevision version : history.versions()) {
        if (version.revision() >= contents.compactRevision()) {
          changes.computeIfAbsent(version.revision(), r -> new ArrayList<>()).add(version);
        }
      }
    }
    RevisionLog restoredChanges = new RevisionLog();
    for (Map.Entry<Long, List<KeyRevision>> entry : changes.entrySet()) {
      entry.getValue().sort(Comparator.comparingInt(KeyRevision::sub));
      restoredChanges.append(entry.getKey(), entry.getValue());
    }
    NavigableMap<Long, Lease> restoredLeases = new TreeMap<>();
    contents.leaseTtls().forEach((id, ttl) -> restoredLeases.put(id, new Lease(id, ttl)));
    for (KeyHistory history : contents.keys().values()) {
      KeyValue kv = history.current();
      if (kv != null && kv.getLease() != 0 && restoredLeases.containsKey(kv.getLease())) {
        restoredLeases.get(kv.getLease()).keys().add(kv.getKey());
      }
    }
    long restoredBytes = sizeOf(contents.keys());
    lock.writeLock().lock();
    try {
      checkOpen();
      keys = contents.keys();
      keptBytes = restoredBytes;
      leases = restoredLeases;
      if (expiry.isPrimary()) {
        // The state jumped; time the leases it holds afresh.
        expiry.promote(leaseTtls());
      }
      changesByRevision = restoredChanges;
      revision = contents.revision();
      compactRevision = contents.compactRevision();
      watchHub.resyncAll();
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Ends every watch with {@link StoreException.Code#UNAVAILABLE}; later calls fail the same way. */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      watchHub.endAll(new WatchDelivery.Failed(StoreErrors.unavailable("store is closed")));
    } finally {
      lock.writeLock().unlock();
    }
  }

  // ---------------------------------------------------------------- internals

  private void checkOpen() {
    if (closed) {
      throw StoreErrors.unavailable("store is closed");
    }
  }

  private <R> Applied<R> write(Function<Change, R> body) {
    lock.writeLock().lock();
    try {
      checkOpen();
      Change change = new Change();
      R response = body.apply(change);
      if (change.changes.isEmpty()) {
        return new Applied<>(response, revision, List.of());
      }
      revision = change.revision;
      changesByRevision.append(revision, change.changes);
      List<Event> events = List.copyOf(change.events);
      watchHub.publish(revision, events);
      return new Applied<>(response, revision, events);
    } finally {
      lock.writeLock().unlock();
    }
  }

  private Map<Long, Long> leaseTtls() {
    Map<Long, Long> ttls = new LinkedHashMap<>();
    leases.values().forEach(lease -> ttls.put(lease.id(), lease.ttl()));
    return ttls;
  }

  private static ResponseHeader header(long revision) {
    return ResponseHeader.newBuilder().setRevision(revision).build();
  }

  private void checkReadRevision(long requested, long current) {
    if (requested > current) {
      throw StoreErrors.futureRevision();
    }
    if (requested > 0 && requested < compactRevision) {
      throw StoreErrors.compacted();
    }
  }

  private void checkPut(PutRequest request) {
    checkPut(request, currentValue(request.getKey()) != null);
  }

  /** etcd's checks of one put, given whether its key exists when the put applies. */
  private void checkPut(PutRequest request, boolean keyExists) {
    if ((request.getIgnoreValue() || request.getIgnoreLease()) && !keyExists) {
      throw StoreErrors.keyNotFound();
    }
    if (!request.getIgnoreLease() && request.getLease() != 0 && !leases.containsKey(request.getLease())) {
      throw StoreErrors.leaseNotFound();
    }
  }

  private KeyValue currentValue(ByteString key) {
    KeyHistory history = keys.get(StoreKey.of(key));
    return history == null ? null : history.current();
  }

  private RangeResponse readRange(RangeRequest request, long viewRevision) {
    long at = request.getRevision() <= 0 ? viewRevision : request.getRevision();
    checkReadRevision(at, viewRevision);
    boolean fetchAll = request.getSortOrder() != RangeRequest.SortOrder.NONE
        || request.getMinModRevision() != 0 || request.getMaxModRevision() != 0
        || request.getMinCreateRevision() != 0 || request.getMaxCreateRevision() != 0;
    long fetchLimit = request.getLimit() > 0 && !fetchAll ? request.getLimit() + 1 : Long.MAX_VALUE;
    List<KeyValue> kvs = new ArrayList<>();
    long count = 0;
    for (KeyHistory history : KeyRange.of(request.getKey(), request.getRangeEnd()).select(keys).values()) {
      KeyValue kv = history.valueAt(at);
      if (kv == null) {
        continue;
      }
      count++;
      if (!request.getCountOnly() && kvs.size() < fetchLimit) {
        kvs.add(kv);
      }
    }
    kvs.removeIf(kv -> (request.getMaxModRevision() != 0 && kv.getModRevision() > request.getMaxModRevision())
        || (request.getMinModRevision() != 0 && kv.getModRevision() < request.getMinModRevision())
        || (request.getMaxCreateRevision() != 0 && kv.getCreateRevision() > request.getMaxCreateRevision())
        || (request.getMinCreateRevision() != 0 && kv.getCreateRevision() < request.getMinCreateRevision()));
    RangeSort.apply(kvs, request.getSortOrder(), request.getSortTarget());
    RangeResponse.Builder response = RangeResponse.newBuilder().setHeader(header(viewRevision)).setCount(count);
    if (request.getLimit() > 0 && kvs.size() > request.getLimit()) {
      kvs = kvs.subList(0, (int) request.getLimit());
      response.setMore(true);
    }
    for (KeyValue kv : kvs) {
      response.addKvs(request.getKeysOnly() ? kv.toBuilder().clearValue().build() : kv);
    }
    return response.build();
  }

  // ---- txn evaluation: decided entirely against the state before the txn, as etcd does ----

  /** The branch each (nested) txn takes: its compares' outcome and its chosen branch's txns. */
  private record TxnPath(boolean succeeded, List<TxnPath> nested) {}

  private TxnPath evaluate(TxnRequest txn) {
    boolean succeeded = true;
    for (Compare compare : txn.getCompareList()) {
      if (!compare(compare)) {
        succeeded = false;
        break;
      }
    }
    List<TxnPath> nested = new ArrayList<>(0);
    for (RequestOp op : succeeded ? txn.getSuccessList() : txn.getFailureList()) {
      if (op.hasRequestTxn()) {
        nested.add(evaluate(op.getRequestTxn()));
      }
    }
    return new TxnPath(succeeded, nested);
  }

  private boolean compare(Compare compare) {
    List<KeyValue> matched = new ArrayList<>(1);
    for (KeyHistory history : KeyRange.of(compare.getKey(), compare.getRangeEnd()).select(keys).values()) {
      KeyValue kv = history.current();
      if (kv != null) {
        matched.add(kv);
      }
    }
    if (matched.isEmpty()) {
      // A missing key has no value to compare (etcd cannot tell missing from empty otherwise).
      return compare.getTarget() != Compare.CompareTarget.VALUE
          && TxnCompare.matches(compare, KeyValue.getDefaultInstance());
    }
    for (KeyValue kv : matched) {
      if (!TxnCompare.matches(compare, kv)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Checks the chosen operations before any of them runs, so a failing txn changes nothing: every
   * put first, then every read, whatever their order in the txn, as etcd reports them.
   */
  private void checkRequests(TxnRequest txn, TxnPath path) {
    checkPuts(txn, path, new TxnEffects());
    checkReads(txn, path);
  }

  private void checkPuts(TxnRequest txn, TxnPath path, TxnEffects effects) {
    Iterator<TxnPath> nested = path.nested().iterator();
    for (RequestOp op : path.succeeded() ? txn.getSuccessList() : txn.getFailureList()) {
      switch (op.getRequestCase()) {
        case REQUEST_PUT -> {
          PutRequest put = op.getRequestPut();
          checkPut(put, effects.exists(put.getKey()));
          effects.put(put.getKey());
        }
        case REQUEST_DELETE_RANGE -> effects.delete(
            KeyRange.of(op.getRequestDeleteRange().getKey(), op.getRequestDeleteRange().getRangeEnd()));
        case REQUEST_TXN -> checkPuts(op.getRequestTxn(), nested.next(), effects);
        default -> { }
      }
    }
  }

  private void checkReads(TxnRequest txn, TxnPath path) {
    Iterator<TxnPath> nested = path.nested().iterator();
    for (RequestOp op : path.succeeded() ? txn.getSuccessList() : txn.getFailureList()) {
      switch (op.getRequestCase()) {
        case REQUEST_RANGE -> checkReadRevision(op.getRequestRange().getRevision(), revision);
        case REQUEST_TXN -> checkReads(op.getRequestTxn(), nested.next());
        default -> { }
      }
    }
  }

  /**
   * Which keys exist at each point of a txn about to run, so that an ignore_value put after a
   * delete of its key (possible with a delete to the end, "\0", which etcd's duplicate-key check
   * lets through) is refused up front rather than failing halfway. etcd 3.4 panics on it.
   */
  private final class TxnEffects {
    private final Set<ByteString> puts = new HashSet<>();
    private final List<KeyRange> deletes = new ArrayList<>();

    boolean exists(ByteString key) {
      if (puts.contains(key)) {
        return true;
      }
      for (KeyRange range : deletes) {
        if (range.contains(key)) {
          return false;
        }
      }
      return currentValue(key) != null;
    }

    void put(ByteString key) {
      puts.add(key);
    }

    void delete(KeyRange range) {
      puts.removeIf(range::contains);
      deletes.add(range);
    }
  }

  /** Whether a txn only reads, in every branch, so it can be served without the log. */
  public static boolean isReadOnly(TxnRequest txn) {
    return isReadOnly(txn.getSuccessList()) && isReadOnly(txn.getFailureList());
  }

  private static boolean isReadOnly(List<RequestOp> ops) {
    for (RequestOp op : ops) {
      if (op.hasRequestPut() || op.hasRequestDeleteRange()
          || (op.hasRequestTxn() && !isReadOnly(op.getRequestTxn()))) {
        return false;
      }
    }
    return true;
  }

  /**
   * The changes of one request being applied, written in place at {@code revision} (the next
   * revision) and committed by {@link #write}. Reads through it see its own earlier writes.
   */
  private final class Change {
    final long revision = MvccStore.this.revision + 1;
    final List<KeyRevision> changes = new ArrayList<>(1);
    final List<Event> events = new ArrayList<>(1);

    /** The revision a read inside this request sees, and its responses report. */
    long viewRevision() {
      return changes.isEmpty() ? MvccStore.this.revision : revision;
    }

    PutResponse put(PutRequest request) {
      ByteString key = request.getKey();
      StoreKey storeKey = StoreKey.of(key);
      KeyHistory history = keys.get(storeKey);
      KeyValue previous = history == null ? null : history.current();
      KeyValue kv = KeyValue.newBuilder()
          // Every version of a key shares the bytes of the key in the index.
          .setKey(history == null || history.isEmpty() ? storeKey.toByteString() : history.key())
          .setValue(request.getIgnoreValue() ? previous.getValue() : request.getValue())
          .setLease(request.getIgnoreLease() ? previous.getLease() : request.getLease())
          .setCreateRevision(previous == null ? revision : previous.getCreateRevision())
          .setModRevision(revision)
          .setVersion(previous == null ? 1 : previous.getVersion() + 1)
          .build();
      if (history == null) {
        history = new KeyHistory();
        keys.put(storeKey, history);
      }
      if (previous != null && previous.getLease() != kv.getLease()) {
        detach(previous);
      }
      if (kv.getLease() != 0) {
        leases.get(kv.getLease()).keys().add(key);
      }
      KeyRevision version = KeyRevision.put(revision, changes.size(), kv);
      history.append(version);
      keptBytes += kv.getSerializedSize();
      changes.add(version);
      Event.Builder event = Event.newBuilder().setType(Event.EventType.PUT).setKv(kv);
      if (previous != null) {
        event.setPrevKv(previous);
      }
      events.add(event.build());
      PutResponse.Builder response = PutResponse.newBuilder().setHeader(header(revision));
      if (request.getPrevKv() && previous != null) {
        response.setPrevKv(previous);
      }
      return response.build();
    }

    DeleteRangeResponse deleteRange(DeleteRangeRequest request) {
      DeleteRangeResponse.Builder response = DeleteRangeResponse.newBuilder();
      long deleted = 0;
      for (KeyHistory history : KeyRange.of(request.getKey(), request.getRangeEnd()).select(keys).values()) {
        KeyValue previous = history.current();
        if (previous == null) {
          continue;
        }
        detach(previous);
        // The event's prev_kv is the value before this request, as in etcd: a key put earlier in
        // this same txn (possible with a delete to the end, "\0") has none.
        KeyValue beforeRequest = history.valueAt(MvccStore.this.revision);
        KeyRevision tombstone = KeyRevision.tombstone(revision, changes.size(), previous);
        history.append(tombstone);
        keptBytes += tombstone.kv().getSerializedSize();
        changes.add(tombstone);
        Event.Builder event = Event.newBuilder().setType(Event.EventType.DELETE).setKv(tombstone.kv());
        if (beforeRequest != null) {
          event.setPrevKv(beforeRequest);
        }
        events.add(event.build());
        deleted++;
        if (request.getPrevKv()) {
          response.addPrevKvs(previous);
        }
      }
      return response.setDeleted(deleted).setHeader(header(viewRevision())).build();
    }

    /** Deletes the lease's keys at this revision and forgets the lease. */
    void revoke(Lease lease) {
      for (ByteString key : List.copyOf(lease.keys())) {
        deleteRange(DeleteRangeRequest.newBuilder().setKey(key).build());
      }
      leases.remove(lease.id());
      expiry.forget(lease.id());
    }

    private void detach(KeyValue previous) {
      Lease lease = previous.getLease() == 0 ? null : leases.get(previous.getLease());
      if (lease != null) {
        lease.keys().remove(previous.getKey());
      }
    }

    TxnResponse txn(TxnRequest request, TxnPath path) {
      TxnResponse.Builder response = TxnResponse.newBuilder().setSucceeded(path.succeeded());
      Iterator<TxnPath> nested = path.nested().iterator();
      for (RequestOp op : path.succeeded() ? request.getSuccessList() : request.getFailureList()) {
        ResponseOp.Builder result = ResponseOp.newBuilder();
        switch (op.getRequestCase()) {
          case REQUEST_RANGE -> result.setResponseRange(readRange(op.getRequestRange(), viewRevision()));
          case REQUEST_PUT -> result.setResponsePut(put(op.getRequestPut()));
          case REQUEST_DELETE_RANGE -> result.setResponseDeleteRange(deleteRange(op.getRequestDeleteRange()));
          // etcd leaves a nested txn's header empty: only the outermost response has a revision.
          case REQUEST_TXN -> result.setResponseTxn(txn(op.getRequestTxn(), nested.next()).toBuilder()
              .setHeader(ResponseHeader.getDefaultInstance()));
          default -> throw new StoreException(StoreException.Code.INTERNAL, "empty txn operation");
        }
        response.addResponses(result);
      }
      return response.setHeader(header(viewRevision())).build();
    }
  }
}
