package dev.capstan.store.ratis;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.capstan.etcd.etcdserverpb.CompactionRequest;
import dev.capstan.etcd.etcdserverpb.LeaseGrantRequest;
import dev.capstan.etcd.etcdserverpb.LeaseKeepAliveRequest;
import dev.capstan.etcd.etcdserverpb.LeaseRevokeRequest;
import dev.capstan.etcd.etcdserverpb.LeaseTimeToLiveRequest;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.etcd.etcdserverpb.RequestOp;
import dev.capstan.etcd.etcdserverpb.TxnRequest;
import dev.capstan.store.StoreErrors;
import dev.capstan.store.StoreException;
import dev.capstan.store.mvcc.DaemonThreadFactory;
import dev.capstan.store.mvcc.MvccSnapshotImage;
import dev.capstan.store.mvcc.MvccStore;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis state machine of the store: applies each committed log entry (a
 * {@link StoreEnvelope} command) to an {@link MvccStore}, serves read-only queries from it, and
 * saves and loads it as single-file snapshots.
 *
 * <p>Applying is deterministic and never throws for a bad request: an etcd-level failure (a
 * compacted revision in a txn, an ignore_value put of a missing key) is an ordinary reply that
 * carries the error, identical on every peer.
 *
 * <p>Leases are timed by the leader only: {@link #notifyLeaderReady} promotes the store's lease
 * timing (every lease gets its full TTL again, as on an etcd leader change), losing leadership
 * demotes it. Keep-alives are queries answered by the leader's store, so they never enter the
 * log; expiry enters it as a revoke that {@link RaftStorePeer} proposes, stamped with the term of
 * the leader that decided it, and applies only if committed in that term.
 */
final class MvccStateMachine extends BaseStateMachine {

  private static final Logger LOG = LoggerFactory.getLogger(MvccStateMachine.class);
  /** Suffix of a snapshot being written; never matches Ratis' snapshot file pattern. */
  private static final String UNFINISHED_SUFFIX = ".writing";
  private static final Duration SNAPSHOT_RETRY_PAUSE = Duration.ofSeconds(5);
  /** How much of a snapshot is written between two syncs of its file (see ChunkSyncingOutputStream). */
  private static final long SNAPSHOT_SYNC_CHUNK_BYTES = 1 << 20;
  /** How often {@link #getLatestSnapshot} looks in the snapshot directory while it holds none. */
  private static final Duration SNAPSHOT_RESCAN_PAUSE = Duration.ofSeconds(1);
  /** How long closing waits for a snapshot being written: it is a local file, so not long. */
  private static final Duration SNAPSHOT_CLOSE_WAIT = Duration.ofSeconds(60);

  private final SnapshotStorage storage = new SnapshotStorage();
  private final MvccStore store;
  /** Pairs the store's state with the last applied index for snapshots. */
  private final Object applyLock = new Object();
  private final AppliedIndexWaiters appliedWaiters;
  private final StoreStats stats;
  /** Writes snapshot images off the apply thread, one at a time. */
  private final ScheduledExecutorService snapshotWriter =
      Executors.newSingleThreadScheduledExecutor(new DaemonThreadFactory("store-snapshot-writer"));
  /** How long this peer waits before writing a snapshot it copied; see {@link #takeSnapshot}. */
  private volatile Supplier<Duration> snapshotDelay = () -> Duration.ZERO;
  // Guarded by applyLock: whether an image is being written, the index of a written one Ratis has
  // not been told of yet, when to try again after a failed write, and whether the machine closed.
  private boolean writing;
  private long finishedUnreported = RaftLog.INVALID_LOG_INDEX;
  private long retryAfterNanos = Long.MIN_VALUE;
  /**
   * Command bytes applied since start (or the last loaded snapshot), and that count when the state
   * of the snapshot being written and of the last one written were copied; see {@link #takeSnapshot}.
   */
  private long appliedBytes;
  private long appliedBytesAtCopy;
  private long appliedBytesAtSnapshot;
  /** The size of the latest snapshot file this peer wrote or loaded (0 before the first). */
  private long lastSnapshotBytes;
  /** Whether the storage has a snapshot cached (then asking it is free). */
  private volatile boolean snapshotKnown;
  /** When getLatestSnapshot may look in the directory again (System.nanoTime; compared by difference). */
  private volatile long rescanAfterNanos = System.nanoTime();
  private boolean closed;
  /**
   * The log index of the last entry that changed the store (or of the snapshot it was loaded
   * from). Unlike the applied index it skips Ratis' own entries (a new leader's first entry,
   * configuration changes, and the commit-metadata entries older logs hold after every commit),
   * which followers may learn are committed only at the next heartbeat; so a follower waiting for
   * it does not wait for one.
   */
  private volatile long lastWriteIndex = RaftLog.INVALID_LOG_INDEX;
  /** Set when Ratis shut this division down because the group does not count it a member. */
  private volatile boolean toldNotAMember;
  private final Runnable applied;
  private final Executor waiterExecutor;
  /** Completed (and replaced) when this peer becomes a ready leader or stops leading. */
  private final AtomicReference<CompletableFuture<Void>> nextLeadershipEvent =
      new AtomicReference<>(new CompletableFuture<>());

  /** {@code waiterExecutor} completes {@link #awaitApplied} futures, off the apply thread. */
  MvccStateMachine(MvccStore store, Executor waiterExecutor) {
    this(store, waiterExecutor, new StoreStats());
  }

  /** Counts leader changes and snapshots in {@code stats}. */
  MvccStateMachine(MvccStore store, Executor waiterExecutor, StoreStats stats) {
    this(store, waiterExecutor, stats, () -> { });
  }

  /**
   * As above; {@code applied} runs after every entry this peer applies (on the apply thread), so
   * that a leader can tell its followers at once that the entry was committed ({@link CommitSignal}).
   */
  MvccStateMachine(MvccStore store, Executor waiterExecutor, StoreStats stats, Runnable applied) {
    this.store = store;
    this.appliedWaiters = new AppliedIndexWaiters(waiterExecutor);
    this.waiterExecutor = waiterExecutor;
    this.stats = stats;
    this.applied = applied;
  }

  /**
   * Makes this peer wait {@code delay} (asked at each snapshot) between copying its state for a
   * snapshot and writing it, so that the peers of a group, each given another delay, do not all
   * write at once.
   */
  void staggerSnapshots(Supplier<Duration> delay) {
    this.snapshotDelay = delay;
  }

  /** How long the next snapshot this peer copies will wait before it is written. */
  Duration snapshotDelay() {
    return snapshotDelay.get();
  }

  MvccStore store() {
    return store;
  }

  /** Completes once this peer has applied the log entry at {@code index}. */
  CompletableFuture<Void> awaitApplied(long index) {
    return appliedWaiters.await(index);
  }

  /**
   * Completes (off the apply thread) at the next change in this peer's leadership: it becomes a
   * ready leader (its first entry as leader applied) or it stops leading. Ask for it before
   * checking the state it is to wait for, so that a change in between is not missed.
   */
  CompletableFuture<Void> nextLeadershipEvent() {
    return nextLeadershipEvent.get();
  }

  private void leadershipChanged() {
    CompletableFuture<Void> happened = nextLeadershipEvent.getAndSet(new CompletableFuture<>());
    waiterExecutor.execute(() -> happened.complete(null));
  }

  // Every way the applied index moves (entries, no-op and conf entries, snapshots) ends up here.
  @Override
  protected boolean updateLastAppliedTermIndex(TermIndex termIndex) {
    boolean updated = super.updateLastAppliedTermIndex(termIndex);
    if (appliedWaiters != null) {
      appliedWaiters.applied(getLastAppliedTermIndex().getIndex());
      applied.run();
    }
    return updated;
  }

  @Override
  protected void setLastAppliedTermIndex(TermIndex termIndex) {
    super.setLastAppliedTermIndex(termIndex);
    // BaseStateMachine's constructor calls this before our fields are set.
    if (appliedWaiters != null && termIndex != null) {
      appliedWaiters.applied(termIndex.getIndex());
    }
  }

  @Override
  public SimpleStateMachineStorage getStateMachineStorage() {
    return storage;
  }

  /**
   * The storage's latest snapshot. The storage lists its directory on every call until it knows
   * of one, and Ratis' log appenders ask on every pass: a store that had not yet taken a snapshot
   * listed a directory per append (2 % of the leader's CPU under the apiserver bench). Every
   * snapshot that appears while running is either written here or installed from the leader and
   * then loaded through {@link #reinitialize}, both of which make it known at once; the rare
   * rescan only guards a path this misses.
   */
  @Override
  public SnapshotInfo getLatestSnapshot() {
    if (!snapshotKnown) {
      long now = System.nanoTime();
      if (now - rescanAfterNanos < 0) {
        return null;
      }
      rescanAfterNanos = now + SNAPSHOT_RESCAN_PAUSE.toNanos();
    }
    SnapshotInfo latest = storage.getLatestSnapshot();
    snapshotKnown = latest != null;
    return latest;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
    super.initialize(server, groupId, raftStorage);
    storage.init(raftStorage);
    removeUnfinishedSnapshots(raftStorage.getStorageDir().getStateMachineDir().toPath());
    loadSnapshot(storage.loadLatestSnapshot());
    // Ratis reloads a state machine from an installed snapshot only when it was paused first,
    // which needs a running life cycle to pause from.
    getLifeCycle().transition(LifeCycle.State.STARTING);
    getLifeCycle().transition(LifeCycle.State.RUNNING);
  }

  /** Before a snapshot from the leader is installed (a new member, or one that fell behind the log). */
  @Override
  public void pause() {
    if (getLifeCycleState() == LifeCycle.State.RUNNING) {
      getLifeCycle().transition(LifeCycle.State.PAUSING);
      getLifeCycle().transition(LifeCycle.State.PAUSED);
    }
  }

  /** Deletes temporary files a crash during {@link #takeSnapshot} may have left behind. */
  private static void removeUnfinishedSnapshots(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (var files = Files.newDirectoryStream(dir, "*" + UNFINISHED_SUFFIX)) {
      for (Path file : files) {
        LOG.info("Removing unfinished snapshot {}", file);
        Files.deleteIfExists(file);
      }
    }
  }

  /** Called after a snapshot was installed from the leader: the state jumps to it. */
  @Override
  public void reinitialize() throws IOException {
    rescanAfterNanos = System.nanoTime();
    storage.snapshotAdded();
    loadSnapshot(storage.loadLatestSnapshot());
    if (getLifeCycleState() == LifeCycle.State.PAUSED) {
      getLifeCycle().transition(LifeCycle.State.STARTING);
      getLifeCycle().transition(LifeCycle.State.RUNNING);
    }
  }

  private void loadSnapshot(SingleFileSnapshotInfo snapshot) throws IOException {
    if (snapshot == null) {
      return;
    }
    snapshotKnown = true;
    Path file = snapshot.getFile().getPath();
    if (!Files.exists(file)) {
      LOG.warn("Snapshot file {} is missing; starting from the log alone", file);
      return;
    }
    MD5Hash digest = snapshot.getFile().getFileDigest();
    if (digest != null) {
      MD5FileUtil.verifySavedMD5(file.toFile(), digest);
    }
    synchronized (applyLock) {
      try (InputStream in = Files.newInputStream(file)) {
        store.restore(in);
      }
      lastWriteIndex = snapshot.getTermIndex().getIndex();
      setLastAppliedTermIndex(snapshot.getTermIndex());
      lastSnapshotBytes = Files.size(file);
      appliedBytes = 0;
      appliedBytesAtCopy = 0;
      appliedBytesAtSnapshot = 0;
    }
    LOG.info("Loaded store snapshot {} at revision {}", file.getFileName(), store.revision());
  }

  /**
   * Ratis calls this on its apply thread once enough entries were applied since the last snapshot
   * it knows of, and again after each later apply until it is given a newer index. Writing the
   * snapshot of a large store takes hundreds of milliseconds (serializing, syncing, digesting), and
   * doing it here stalled every write of the group at once, since all peers reach the threshold at
   * the same index (280 ms at 9,000 keys of 1 KiB: the slowest request of {@code etcdctl check
   * perf}). So here the state is only copied; another thread writes the copy, and the copy's index
   * is returned only once its file is complete and synced, after which Ratis may purge the log up
   * to it. Until then the answer is "no new snapshot", which Ratis ignores. An idle store reports
   * a finished snapshot at its next write; the file serves snapshot installs at once.
   *
   * <p>A snapshot is also put off until the commands applied since the last one add up to at least
   * that snapshot's size. Each snapshot rewrites the whole store, all history not yet compacted
   * included; taken every N entries, a store that is never compacted (etcd's default) spent ever
   * more of its CPU rewriting it (11 % of three peers' CPU after ten minutes of puts). Tied to
   * size, snapshots come at most about as many bytes apart as they hold, so writing them costs
   * at most about a byte per byte of log, and the log kept between two is no larger than the
   * snapshot it will be replayed onto.
   *
   * <p>The writing starts after {@link #staggerSnapshots this peer's delay}: serializing a large
   * store is seconds of CPU, and when every peer did it at once (on one machine, or a group whose
   * peers all slow down together) every write of the group stalled; one peer at a time leaves a
   * quorum of the others at full speed.
   */
  @Override
  public long takeSnapshot() {
    synchronized (applyLock) {
      if (finishedUnreported != RaftLog.INVALID_LOG_INDEX) {
        long index = finishedUnreported;
        finishedUnreported = RaftLog.INVALID_LOG_INDEX;
        return index;
      }
      TermIndex last = getLastAppliedTermIndex();
      if (writing || closed || last == null || last.getIndex() < 0 || System.nanoTime() < retryAfterNanos
          || appliedBytes - appliedBytesAtSnapshot < lastSnapshotBytes) {
        return RaftLog.INVALID_LOG_INDEX;
      }
      long copyStarted = System.nanoTime();
      MvccSnapshotImage image = store.snapshotImage();
      appliedBytesAtCopy = appliedBytes;
      writing = true;
      snapshotWriter.schedule(() -> writeSnapshot(image, last, copyStarted), snapshotDelay.get().toMillis(),
          TimeUnit.MILLISECONDS);
      return RaftLog.INVALID_LOG_INDEX;
    }
  }

  /** {@code started}: when the state was copied, so the copy counts in the snapshot's time. */
  private void writeSnapshot(MvccSnapshotImage image, TermIndex last, long started) {
    try {
      File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
      MD5Hash digest = writeAtomically(file.toPath(), image);
      long size = Files.size(file.toPath());
      MD5FileUtil.saveMD5File(file, digest);
      storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), digest), last));
      storage.snapshotAdded();
      snapshotKnown = true;
      LOG.info("Took store snapshot at index {} (revision {}) in {} ms", last.getIndex(), image.revision(),
          (System.nanoTime() - started) / 1_000_000);
      stats.snapshotWritten(System.nanoTime() - started);
      synchronized (applyLock) {
        finishedUnreported = last.getIndex();
        writing = false;
        appliedBytesAtSnapshot = appliedBytesAtCopy;
        lastSnapshotBytes = size;
      }
    } catch (IOException | RuntimeException e) {
      // The log is kept (nothing is purged without a snapshot); try again a little later rather
      // than after every apply, e.g. while the disk is full.
      LOG.error("Could not write the store snapshot at index {}; retrying in {} s", last.getIndex(),
          SNAPSHOT_RETRY_PAUSE.toSeconds(), e);
      stats.snapshotFailed();
      synchronized (applyLock) {
        writing = false;
        retryAfterNanos = System.nanoTime() + SNAPSHOT_RETRY_PAUSE.toNanos();
      }
    }
  }

  /**
   * Writes the image to a temporary file, synced a chunk at a time ({@link
   * ChunkSyncingOutputStream}) and digested on the way (instead of reading the file back), and
   * renames it into place, so a crash never leaves half a snapshot under a snapshot's name.
   * Returns the file's MD5. (Ratis' AtomicFileOutputStream writes arrays byte by byte, one system
   * call each, which makes a megabyte take seconds.)
   */
  private static MD5Hash writeAtomically(Path target, MvccSnapshotImage image) throws IOException {
    Path temporary = target.resolveSibling(target.getFileName() + UNFINISHED_SUFFIX);
    MessageDigest md5 = MD5Hash.getDigester();
    try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      image.writeTo(new DigestOutputStream(new ChunkSyncingOutputStream(channel, SNAPSHOT_SYNC_CHUNK_BYTES), md5));
      channel.force(true);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temporary);
      throw e;
    }
    Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return new MD5Hash(md5.digest());
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext transaction) {
    LogEntryProto entry = transaction.getLogEntry();
    byte[] data = entry.getStateMachineLogEntry().getLogData().toByteArray();
    Message reply;
    synchronized (applyLock) {
      reply = apply(data, entry.getTerm());
      appliedBytes += data.length;
      lastWriteIndex = entry.getIndex();
      updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
    }
    return CompletableFuture.completedFuture(reply);
  }

  private Message apply(byte[] data, long entryTerm) {
    try {
      StoreEnvelope.Frame frame = StoreEnvelope.decode(data);
      return switch (frame.kind()) {
        case StoreEnvelope.COMMAND_BATCH -> applyBatch(StoreEnvelope.batchCommands(frame.body()), entryTerm);
        case StoreEnvelope.COMMAND_OP -> StoreEnvelope.ok(store.apply(RequestOp.parseFrom(frame.body())).response());
        case StoreEnvelope.COMMAND_COMPACT ->
            StoreEnvelope.ok(store.compact(CompactionRequest.parseFrom(frame.body())).response());
        case StoreEnvelope.COMMAND_LEASE_GRANT ->
            StoreEnvelope.ok(store.leaseGrant(LeaseGrantRequest.parseFrom(frame.body())).response());
        case StoreEnvelope.COMMAND_LEASE_REVOKE ->
            StoreEnvelope.ok(store.leaseRevoke(LeaseRevokeRequest.parseFrom(frame.body())).response());
        case StoreEnvelope.COMMAND_LEASE_EXPIRE -> applyExpiry(StoreEnvelope.Expiry.parse(frame.body()), entryTerm);
        default -> throw new StoreException(StoreException.Code.INTERNAL, "unknown store command " + frame.kind());
      };
    } catch (StoreException e) {
      return StoreEnvelope.error(e);
    } catch (InvalidProtocolBufferException e) {
      return StoreEnvelope.error(new StoreException(StoreException.Code.INTERNAL, "unreadable store command"));
    }
  }

  /**
   * Applies a batch's commands in order, each as if it were its own entry of the batch's term.
   * Batches do not nest: a batch inside one would have no single reply to give.
   */
  private Message applyBatch(List<byte[]> commands, long entryTerm) {
    List<Message> replies = new ArrayList<>(commands.size());
    for (byte[] command : commands) {
      replies.add(command.length > 0 && command[0] == StoreEnvelope.COMMAND_BATCH
          ? StoreEnvelope.error(new StoreException(StoreException.Code.INTERNAL, "a batch cannot hold a batch"))
          : apply(command, entryTerm));
    }
    return StoreEnvelope.batchReply(replies);
  }

  /**
   * Revokes an expired lease if the leader that decided it expired is the one that committed the
   * entry; otherwise leadership changed in between and the new leader times the lease afresh.
   */
  private Message applyExpiry(StoreEnvelope.Expiry expiry, long entryTerm) {
    if (expiry.leaderTerm() != entryTerm) {
      LOG.debug("Ignoring the expiry of lease {} decided in term {} but committed in term {}",
          expiry.revoke().getID(), expiry.leaderTerm(), entryTerm);
      return StoreEnvelope.error(StoreErrors.unavailable("lease expiry from a former leader ignored"));
    }
    return StoreEnvelope.ok(store.leaseRevoke(expiry.revoke()).response());
  }

  @Override
  public CompletableFuture<Message> query(Message request) {
    try {
      StoreEnvelope.Frame frame = StoreEnvelope.decode(request.getContent().toByteArray());
      return CompletableFuture.completedFuture(switch (frame.kind()) {
        case StoreEnvelope.QUERY_RANGE -> StoreEnvelope.ok(store.range(RangeRequest.parseFrom(frame.body())));
        case StoreEnvelope.QUERY_TXN -> StoreEnvelope.ok(readOnlyTxn(TxnRequest.parseFrom(frame.body())));
        // Changes only the leader's own deadlines, which are not replicated state.
        case StoreEnvelope.QUERY_LEASE_KEEPALIVE ->
            StoreEnvelope.ok(store.leaseKeepAlive(LeaseKeepAliveRequest.parseFrom(frame.body())));
        case StoreEnvelope.QUERY_LEASE_TTL ->
            StoreEnvelope.ok(store.leaseTimeToLive(LeaseTimeToLiveRequest.parseFrom(frame.body())));
        case StoreEnvelope.QUERY_LEASE_LEASES -> StoreEnvelope.ok(store.leaseLeases());
        case StoreEnvelope.QUERY_WRITE_INDEX -> StoreEnvelope.writeIndex(lastWriteIndex);
        default -> throw new StoreException(StoreException.Code.INTERNAL, "unknown store query " + frame.kind());
      });
    } catch (StoreException e) {
      return CompletableFuture.completedFuture(StoreEnvelope.error(e));
    } catch (InvalidProtocolBufferException e) {
      return CompletableFuture.completedFuture(
          StoreEnvelope.error(new StoreException(StoreException.Code.INTERNAL, "unreadable store query")));
    }
  }

  private dev.capstan.etcd.etcdserverpb.TxnResponse readOnlyTxn(TxnRequest txn) {
    if (!MvccStore.isReadOnly(txn)) {
      // A write must go through the log; answering it here would fork this peer's state.
      throw new StoreException(StoreException.Code.INTERNAL, "a txn that writes was sent as a query");
    }
    return store.txn(txn).response();
  }

  @Override
  public void notifyLeaderReady() {
    store.promoteLeases();
    LOG.info("Leader ready: timing leases");
    leadershipChanged();
  }

  @Override
  public void notifyNotLeader(Collection<TransactionContext> pendingEntries) {
    store.demoteLeases();
    leadershipChanged();
  }

  @Override
  public void notifyLeaderChanged(RaftGroupMemberId member, RaftPeerId newLeaderId) {
    if (newLeaderId != null) {
      stats.leaderChanged();
    }
    if (!member.getPeerId().equals(newLeaderId)) {
      store.demoteLeases();
      leadershipChanged();
    }
  }

  /**
   * Ratis shuts a division down on its own (not with the whole server, {@code allServer} false)
   * only when its election is answered that it is no member of the group: it was removed while
   * it was down and restarted on its old configuration.
   */
  @Override
  public void notifyServerShutdown(RoleInfoProto roleInfo, boolean allServer) {
    if (!allServer) {
      LOG.warn("The other members answered {}'s election that it is not in the group: it was removed, and stops"
          + " serving", roleInfo.getSelf().getId().toStringUtf8());
      toldNotAMember = true;
    }
  }

  /** The group told this member at an election that it is not in the group any more. */
  boolean toldNotAMember() {
    return toldNotAMember;
  }

  @Override
  public void close() throws IOException {
    synchronized (applyLock) {
      closed = true;
    }
    // A snapshot being written finishes first: its thread must not write into a data dir that
    // the caller may delete as soon as the peer is closed.
    snapshotWriter.shutdown();
    try {
      if (!snapshotWriter.awaitTermination(SNAPSHOT_CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("A store snapshot was still being written after {} s; closing anyway",
            SNAPSHOT_CLOSE_WAIT.toSeconds());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    appliedWaiters.close();
    store.close();
    super.close();
  }
}
