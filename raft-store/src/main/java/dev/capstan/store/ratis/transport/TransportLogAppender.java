package dev.capstan.store.ratis.transport;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Comparator;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.proto.RaftProtos.AppendEntriesReplyProto;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotReplyProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotRequestProto;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppenderBase;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.raftlog.RaftLogIOException;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.Timestamp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's replication to one follower over the Capstan transport: one append in flight at a
 * time (entries that arrive meanwhile go out together in the next), snapshots in chunks when the
 * follower needs entries the log no longer has, a heartbeat when the follower has heard nothing
 * for half the minimum election timeout. When woken with nothing new to send while the follower's
 * commit index is behind the leader's, it sends an empty append (which carries the commit index)
 * once per commit index, so a follower applies a write as soon as the leader has committed it
 * instead of at the next heartbeat. {@link AppenderRegistry} tells the store's commit signal
 * about each appender so that it can wake them.
 */
final class TransportLogAppender extends LogAppenderBase {

  private static final Logger LOG = LoggerFactory.getLogger(TransportLogAppender.class);

  private final AtomicLong callIds = new AtomicLong();
  private final AppenderRegistry registry;
  /** The highest commit index an append to this follower carried with a previous entry. */
  private long announcedCommit = RaftLog.INVALID_LOG_INDEX;
  private long failures;

  TransportLogAppender(RaftServer.Division server, LeaderState leader, FollowerInfo follower, AppenderRegistry registry) {
    super(server, leader, follower);
    this.registry = registry;
    registry.register(this);
  }

  @Override
  public long getCallId() {
    return callIds.get();
  }

  @Override
  public Comparator<Long> getCallIdComparator() {
    return Comparator.naturalOrder();
  }

  @Override
  public CompletableFuture<LifeCycle.State> stopAsync() {
    registry.unregister(this);
    return super.stopAsync();
  }

  @Override
  public void run() throws InterruptedException, IOException {
    while (isRunning()) {
      if (shouldSendAppendEntries() || commitBehind()) {
        SnapshotInfo snapshot = shouldInstallSnapshot();
        if (snapshot != null) {
          sendSnapshot(snapshot);
        } else {
          appendOnce();
        }
      }
      if (isRunning() && !hasAppendEntries() && !commitBehind()) {
        getEventAwaitForSignal().await(getHeartbeatWaitTimeMs(), TimeUnit.MILLISECONDS);
      }
      getLeaderState().checkHealth(getFollower());
    }
  }

  /** True if the follower has not been told of a commit index it could take. */
  private boolean commitBehind() {
    long commit = getRaftLog().getLastCommittedIndex();
    return commit > getFollower().getCommitIndex() && commit > announcedCommit;
  }

  private void appendOnce() throws InterruptedIOException, RaftLogIOException {
    AppendEntriesRequestProto request = newAppendEntriesRequest(callIds.incrementAndGet(), false);
    if (request == null && (commitBehind() || heartbeatDue())) {
      request = newAppendEntriesRequest(callIds.incrementAndGet(), true);
    }
    if (request == null) {
      return;
    }
    resetHeartbeatTrigger();
    Timestamp sent = Timestamp.currentTime();
    getFollower().updateLastRpcSendTime(request.getEntriesCount() == 0);
    AppendEntriesReplyProto reply;
    try {
      reply = getServerRpc().appendEntries(request);
    } catch (InterruptedIOException e) {
      throw e;
    } catch (IOException e) {
      if (failures++ % 20 == 0) {
        LOG.warn("{}: append to {} failed ({} failures in a row): {}", this, getFollowerId(), failures, e.toString());
      }
      getServerRpc().handleException(getFollowerId(), e, false);
      pause();
      return;
    }
    failures = 0;
    // Told once; a follower that could not take it (entries missing) gets it again with them.
    announcedCommit = Math.max(announcedCommit, request.getLeaderCommit());
    getFollower().updateLastRpcResponseTime();
    getFollower().updateLastRespondedAppendEntriesSendTime(sent);
    getLeaderState().onFollowerCommitIndex(getFollower(), reply.getFollowerCommit());
    long firstSent = request.getEntriesCount() > 0 ? request.getEntries(0).getIndex() : RaftLog.INVALID_LOG_INDEX;
    switch (reply.getResult()) {
      case SUCCESS -> {
        // Only the reply's match index says which entries the follower holds as the leader's: it
        // is the last entry of this append, and none for a heartbeat. The reply's next index is
        // just the end of the follower's log, which may hold entries of an older term that this
        // leader's log replaced (a former leader's unreplicated tail). Taken as matched, those
        // made the leader skip them and then go back and forth between two previous entries the
        // follower lacked, never repairing its log.
        long matched = reply.getMatchIndex();
        if (getFollower().updateMatchIndex(matched)) {
          getFollower().updateNextIndex(matched + 1);
          getLeaderState().onFollowerSuccessAppendEntries(getFollower());
        }
      }
      case NOT_LEADER -> onFollowerTerm(reply.getTerm());
      case INCONSISTENCY -> getFollower().setNextIndex(getNextIndexForInconsistency(firstSent, reply.getNextIndex()));
      default -> LOG.warn("{}: unexpected append reply {} from {}", this, reply.getResult(), getFollowerId());
    }
    // A linearizable read that finds no valid leader lease waits for a majority to answer a
    // heartbeat sent after it: every reply counts towards that.
    getLeaderState().onAppendEntriesReply(this, reply);
  }

  private boolean heartbeatDue() {
    return getHeartbeatWaitTimeMs() <= 0;
  }

  private void sendSnapshot(SnapshotInfo snapshot) throws InterruptedIOException {
    LOG.info("{}: {} needs entries from {} but the log starts at {}: sending snapshot {}", this, getFollowerId(),
        getFollower().getNextIndex(), getRaftLog().getStartIndex(), snapshot.getTermIndex());
    InstallSnapshotReplyProto reply = null;
    try {
      for (InstallSnapshotRequestProto chunk : newInstallSnapshotRequests(UUID.randomUUID().toString(), snapshot)) {
        getFollower().updateLastRpcSendTime(false);
        reply = getServerRpc().installSnapshot(chunk);
        getFollower().updateLastRpcResponseTime();
        if (!reply.getServerReply().getSuccess()) {
          break;
        }
      }
    } catch (InterruptedIOException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      LOG.warn("{}: sending snapshot {} to {} failed: {}", this, snapshot.getTermIndex(), getFollowerId(), e.toString());
      getServerRpc().handleException(getFollowerId(), e instanceof IOException io ? io : new IOException(e), false);
      pause();
      return;
    }
    if (reply == null) {
      return;
    }
    switch (reply.getResult()) {
      case SUCCESS -> {
        getFollower().setSnapshotIndex(snapshot.getTermIndex().getIndex());
        getFollower().setAttemptedToInstallSnapshot();
        LOG.info("{}: {} installed snapshot {}", this, getFollowerId(), snapshot.getTermIndex());
      }
      case NOT_LEADER -> onFollowerTerm(reply.getTerm());
      case SNAPSHOT_UNAVAILABLE, ALREADY_INSTALLED, SNAPSHOT_EXPIRED -> getFollower().setAttemptedToInstallSnapshot();
      default -> LOG.warn("{}: unexpected snapshot reply {} from {}", this, reply.getResult(), getFollowerId());
    }
  }

  /**
   * Waits after a failed call, longer after each failure in a row (up to half the minimum election
   * timeout), so that a follower that is down costs the leader a connection attempt now and then
   * rather than one per new write.
   */
  private void pause() throws InterruptedIOException {
    long base = Math.max(1, getServer().properties().rpcSleepTime().toLong(TimeUnit.MILLISECONDS));
    long ceiling = Math.max(base, getServer().properties().minRpcTimeoutMs() / 2);
    long wait = Math.min(ceiling, base << Math.min(failures, 10));
    try {
      // A sleep, not the appender's signal: commits wake that on every write.
      TimeUnit.MILLISECONDS.sleep(wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while pausing after a failed append");
    }
  }
}
