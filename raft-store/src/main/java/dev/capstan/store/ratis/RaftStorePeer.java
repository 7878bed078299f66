package dev.capstan.store.ratis;

import dev.capstan.store.mvcc.DaemonThreadFactory;
import dev.capstan.store.mvcc.MvccStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import dev.capstan.etcd.etcdserverpb.CompactionRequest;
import dev.capstan.etcd.etcdserverpb.CompactionResponse;
import dev.capstan.etcd.etcdserverpb.LeaseRevokeRequest;
import dev.capstan.store.StoreException;
import dev.capstan.store.ratis.transport.CapstanTransport;
import dev.capstan.store.ratis.transport.TransportTls;
import java.util.OptionalLong;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member of the replicated store: a Ratis server whose state machine is an
 * {@link dev.capstan.store.mvcc.MvccStore}, with its log and snapshots under a data directory.
 * Restarting on the same directory recovers every committed write. Build a
 * {@link RatisKeyValueStore} on a started peer to use it.
 *
 * <p>While this peer is the leader it times the store's leases on the injected {@link Clock}
 * and proposes a revoke through the log for each one that runs out, so every peer deletes the
 * lease's keys at the same revision. Likewise, when {@link Tuning#autoCompaction} is on, the
 * leader decides when the store's history is compacted ({@link AutoCompactor}) and proposes the
 * Compact through the log.
 *
 * <pre>{@code
 * RaftStorePeer peer = new RaftStorePeer(RaftStorePeer.Config.of(
 *     "s1", dataDir, "10.0.0.1:2380", List.of("s1=10.0.0.1:2380", "s2=10.0.0.2:2380", "s3=10.0.0.3:2380")));
 * peer.start();
 * KeyValueStore store = new RatisKeyValueStore(peer);
 * }</pre>
 */
public final class RaftStorePeer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RaftStorePeer.class);

  /** Every Capstan store forms this one Raft group. */
  static final RaftGroupId GROUP_ID =
      RaftGroupId.valueOf(UUID.nameUUIDFromBytes("capstan-store".getBytes(StandardCharsets.UTF_8)));

  /** The default Raft port (etcd's peer port). */
  public static final int DEFAULT_PORT = 2380;
  /** The peer id and host of {@link #startSingle}'s one-member store. */
  public static final String SINGLE_ID = "capstan";
  public static final String SINGLE_HOST = "127.0.0.1";
  /** How often the leader looks for expired leases; etcd's lessor checks every 500 ms too. */
  private static final Duration LEASE_EXPIRY_CHECK = Duration.ofMillis(500);
  /** Revokes proposed per check at most, so that a mass expiry does not flood the log at once. */
  private static final int MAX_REVOKES_PER_CHECK = 500;
  private static final Duration CLIENT_RETRY_SLEEP = Duration.ofMillis(50);
  /** The time between two peers' writing of the snapshot of one entry; see {@link #snapshotStagger}. */
  private static final Duration SNAPSHOT_STAGGER = Duration.ofSeconds(2);

  /**
   * How a peer is tuned. {@link #defaults()} suits production on a LAN; tests shorten the timeouts.
   *
   * <p>Why the default election timeout is 500-800 ms rather than etcd's 1-2 s: a Ratis follower
   * sleeps a random timeout T, then checks whether T has passed since the leader's last RPC; if
   * not, it sleeps another random T. A leader that dies mid-sleep is therefore noticed after the
   * rest of the current sleep plus one more, between min and 2 x max (and when the followers' logs
   * differ, only the longer one can win). With 1-2 s that is 1 to 4 s, median about 2.3 s, so writes could
   * not resume within 2 s of a leader's crash; with 500-800 ms it is 0.5 to 1.6 s, and writes
   * resume about 1 s after a kill -9 ({@code StoreLeaderFailoverE2ETest}, docs/benchmarks.md).
   * Heartbeats go every 250 ms, and pre-vote keeps a follower that merely missed some of them
   * from deposing a live leader.
   *
   * @param electionTimeoutMin Raft election timeout, lower bound (heartbeats go at half of it)
   * @param electionTimeoutMax Raft election timeout, upper bound
   * @param requestTimeout how long a store request may wait for a leader before NO_LEADER
   * @param snapshotThreshold applied entries between automatic snapshots (the log is then purged)
   * @param progressNotifyInterval how often idle watches that asked for it get a progress notify
   * @param autoCompaction how much MVCC history the leader keeps before compacting (default: off, as etcd)
   */
  public record Tuning(Duration electionTimeoutMin, Duration electionTimeoutMax, Duration requestTimeout,
      long snapshotThreshold, Duration progressNotifyInterval, AutoCompaction autoCompaction) {

    public Tuning {
      Objects.requireNonNull(electionTimeoutMin, "electionTimeoutMin");
      Objects.requireNonNull(electionTimeoutMax, "electionTimeoutMax");
      Objects.requireNonNull(requestTimeout, "requestTimeout");
      Objects.requireNonNull(progressNotifyInterval, "progressNotifyInterval");
      Objects.requireNonNull(autoCompaction, "autoCompaction");
      if (electionTimeoutMin.toMillis() < 10 || electionTimeoutMax.compareTo(electionTimeoutMin) <= 0) {
        throw new IllegalArgumentException("election timeouts must satisfy 10ms <= min < max, got "
            + electionTimeoutMin + " and " + electionTimeoutMax);
      }
      if (requestTimeout.toMillis() < 100) {
        throw new IllegalArgumentException("requestTimeout must be at least 100ms, got " + requestTimeout);
      }
      if (snapshotThreshold < 1) {
        throw new IllegalArgumentException("snapshotThreshold must be >= 1, got " + snapshotThreshold);
      }
      if (progressNotifyInterval.toMillis() < 10) {
        throw new IllegalArgumentException("progressNotifyInterval must be at least 10ms, got " + progressNotifyInterval);
      }
    }

    public static Tuning defaults() {
      return new Tuning(Duration.ofMillis(500), Duration.ofMillis(800), Duration.ofSeconds(10), 10_000,
          Duration.ofSeconds(10), AutoCompaction.off());
    }

    public Tuning withElectionTimeouts(Duration min, Duration max) {
      return new Tuning(min, max, requestTimeout, snapshotThreshold, progressNotifyInterval, autoCompaction);
    }

    public Tuning withRequestTimeout(Duration timeout) {
      return new Tuning(electionTimeoutMin, electionTimeoutMax, timeout, snapshotThreshold, progressNotifyInterval,
          autoCompaction);
    }

    public Tuning withSnapshotThreshold(long entries) {
      return new Tuning(electionTimeoutMin, electionTimeoutMax, requestTimeout, entries, progressNotifyInterval,
          autoCompaction);
    }

    public Tuning withProgressNotifyInterval(Duration interval) {
      return new Tuning(electionTimeoutMin, electionTimeoutMax, requestTimeout, snapshotThreshold, interval,
          autoCompaction);
    }

    public Tuning withAutoCompaction(AutoCompaction policy) {
      return new Tuning(electionTimeoutMin, electionTimeoutMax, requestTimeout, snapshotThreshold,
          progressNotifyInterval, policy);
    }
  }

  /**
   * One peer's configuration.
   *
   * @param id this peer's id; must appear in {@code peers}
   * @param dataDir where the Raft log and snapshots live (created if missing)
   * @param address the {@code host:port} this peer listens on for Raft traffic
   * @param peers every member of the group, this one included, as {@code id=host:port}
   * @param tuning timeouts and thresholds
   * @param tls mutual TLS on every Raft connection of the peer, or empty for plaintext; every
   *     member of a group must have it or none (a TLS peer and a plaintext one cannot talk)
   */
  public record Config(String id, Path dataDir, String address, List<String> peers, Tuning tuning,
      Optional<PeerTls> tls) {

    public Config {
      PeerAddress.requireValidId(id, "id");
      Objects.requireNonNull(dataDir, "dataDir");
      Objects.requireNonNull(address, "address");
      Objects.requireNonNull(tuning, "tuning");
      Objects.requireNonNull(tls, "tls");
      if (peers == null || peers.isEmpty()) {
        throw new IllegalArgumentException("peers: at least this peer is required, as id=host:port");
      }
      peers = List.copyOf(peers);
      PeerAddress.HostPort listen = PeerAddress.HostPort.parse(address, "address");
      List<PeerAddress> parsed = parsePeers(peers);
      PeerAddress self = parsed.stream().filter(p -> p.id().equals(id)).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("peers: must include this peer's id '" + id + "'"));
      if (self.port() != listen.port()) {
        throw new IllegalArgumentException("address: port " + listen.port()
            + " differs from this peer's entry in peers (" + self + ")");
      }
    }

    /** Plaintext Raft traffic. */
    public Config(String id, Path dataDir, String address, List<String> peers, Tuning tuning) {
      this(id, dataDir, address, peers, tuning, Optional.empty());
    }

    public static Config of(String id, Path dataDir, String address, List<String> peers) {
      return new Config(id, dataDir, address, peers, Tuning.defaults());
    }

    public Config withTuning(Tuning newTuning) {
      return new Config(id, dataDir, address, peers, newTuning, tls);
    }

    /** Mutual TLS on every Raft connection of the peer (empty: plaintext). */
    public Config withTls(Optional<PeerTls> newTls) {
      return new Config(id, dataDir, address, peers, tuning, newTls);
    }

    public List<PeerAddress> peerAddresses() {
      return parsePeers(peers);
    }

    private static List<PeerAddress> parsePeers(List<String> specs) {
      List<PeerAddress> parsed = new ArrayList<>();
      Set<String> ids = new HashSet<>();
      for (int i = 0; i < specs.size(); i++) {
        PeerAddress peer = PeerAddress.parse(specs.get(i), "peers[" + i + "]");
        if (!ids.add(peer.id())) {
          throw new IllegalArgumentException("peers[" + i + "]: duplicate peer id '" + peer.id() + "'");
        }
        parsed.add(peer);
      }
      return parsed;
    }
  }

  private final Config config;
  /** Built once: its SSL contexts parse the key and certificates (every Raft client takes it). */
  private final Optional<TransportTls> transportTls;
  private final RaftGroup group;
  private final RaftPeerId peerId;
  private final ExecutorService watchExecutor;
  /** Completes writes' "applied here" futures; cached, as callers chain arbitrary work onto them. */
  private final ExecutorService appliedExecutor;
  private final MvccStateMachine stateMachine;
  private final StoreStats stats = new StoreStats();
  private final CommitSignal commitSignal = new CommitSignal();
  private final ScheduledExecutorService progressTimer;
  private final AutoCompactor autoCompactor;
  private RaftServer server;
  /** Proposes the revokes of expired leases; exists while started. */
  private RaftClient leaseClient;
  private volatile boolean started;
  /** Started with an empty group, to be added to a running one. */
  private volatile boolean joining;
  /** This peer has been in its own configuration since it started. */
  private volatile boolean seenInConfiguration;
  private volatile boolean closed;

  public RaftStorePeer(Config config) {
    this(config, Clock.systemUTC());
  }

  /** A peer whose leases are timed on {@code clock} while it leads. */
  public RaftStorePeer(Config config, Clock clock) {
    this.config = Objects.requireNonNull(config, "config");
    this.transportTls = config.tls().map(PeerTls::transportTls);
    List<RaftPeer> members = new ArrayList<>();
    for (PeerAddress peer : config.peerAddresses()) {
      members.add(RaftPeer.newBuilder().setId(peer.id()).setAddress(peer.address()).build());
    }
    this.group = RaftGroup.valueOf(GROUP_ID, members);
    this.peerId = RaftPeerId.valueOf(config.id());
    this.watchExecutor = Executors.newFixedThreadPool(2, new DaemonThreadFactory("capstan-store-watch-" + config.id()));
    this.appliedExecutor = Executors.newCachedThreadPool(new DaemonThreadFactory("capstan-store-applied-" + config.id()));
    this.stateMachine = new MvccStateMachine(new MvccStore(watchExecutor, clock), appliedExecutor, stats,
        commitSignal::commitAdvanced);
    this.stateMachine.staggerSnapshots(this::snapshotStagger);
    this.progressTimer = Executors.newSingleThreadScheduledExecutor(
        new DaemonThreadFactory("capstan-store-progress-" + config.id()));
    this.autoCompactor = new AutoCompactor(config.tuning().autoCompaction(), clock);
  }

  /**
   * Starts a one-member store for {@code capstan up}: peer id {@code "capstan"}, listening on
   * 127.0.0.1:{@code raftPort}, data under {@code dataDir}.
   */
  public static RaftStorePeer startSingle(Path dataDir, int raftPort) throws IOException {
    return startSingle(dataDir, raftPort, Tuning.defaults());
  }

  /** {@link #startSingle(Path, int)} tuned by {@code tuning}. */
  public static RaftStorePeer startSingle(Path dataDir, int raftPort, Tuning tuning) throws IOException {
    return startSingle(dataDir, raftPort, tuning, Optional.empty());
  }

  /** {@link #startSingle(Path, int, Tuning)} with {@code tls} on its Raft port. */
  public static RaftStorePeer startSingle(Path dataDir, int raftPort, Tuning tuning, Optional<PeerTls> tls)
      throws IOException {
    String address = PeerAddress.HostPort.format(SINGLE_HOST, raftPort);
    RaftStorePeer peer = new RaftStorePeer(new Config(SINGLE_ID, dataDir, address, List.of(SINGLE_ID + "=" + address),
        tuning, tls));
    return peer.start();
  }

  /** Starts the Raft server (recovering the log and latest snapshot from the data dir). */
  public RaftStorePeer start() throws IOException {
    return start(group);
  }

  // ---- membership: a member that joins a running group ----

  /**
   * Starts the Raft server of a member that joins a running group (etcd's
   * {@code --initial-cluster-state existing}): with an empty group, so it neither elects itself
   * nor expects the configured peers to form a group; it waits until the group's leader adds it
   * ({@link StoreMembership#add}) and then catches up by log or snapshot. On a data dir where it
   * already joined, it recovers its configuration from there like {@link #start()}.
   */
  public RaftStorePeer startJoining() throws IOException {
    joining = true;
    return start(RaftGroup.valueOf(GROUP_ID));
  }

  /**
   * Whether this member was removed from the group: it has left the group (told so by the
   * member that removed it), or the latest configuration it knows no longer names it. A removed
   * member answers every request with an error instead of serving a copy that gets no more
   * updates. One that was down while it was removed learns it when it starts again: its first
   * election is answered that it is not a member, and Ratis shuts its division down (until then,
   * an election timeout, it may answer serializable reads from its old copy, as etcd's does).
   */
  public boolean isRemoved() {
    RaftServer current = server;
    if (current == null || closed || !started) {
      return false;
    }
    if (stateMachine.toldNotAMember()) {
      return true;
    }
    RaftConfiguration conf;
    try {
      conf = current.getDivision(GROUP_ID).getRaftConf();
    } catch (IOException e) {
      // The division is gone: the group was removed from this server.
      return true;
    }
    if (conf.getPeer(peerId) != null) {
      seenInConfiguration = true;
      return false;
    }
    // A joining member replays the group's earlier configurations, without itself, while it
    // catches up: only once it has been in one does leaving it mean it was removed.
    return !conf.getCurrentPeers().isEmpty() && (seenInConfiguration || !joining);
  }

  /**
   * How long this peer waits before writing a snapshot it copied: {@link #SNAPSHOT_STAGGER} times
   * its rank among the group's current members by id, so that the peers, which reach the snapshot
   * threshold at the same entry, write one after another instead of all at once (measured with
   * three peers on one machine at 150 writes/s: writing at once took 0.6-1 s each and stalled every
   * write of the group for as long, failing etcdctl check perf on its slowest request).
   */
  Duration snapshotStagger() {
    RaftConfiguration conf = raftConfiguration();
    if (conf == null) {
      return Duration.ZERO;
    }
    List<String> ids = conf.getCurrentPeers().stream().map(p -> p.getId().toString()).sorted().toList();
    int rank = ids.indexOf(config.id());
    return rank <= 0 ? Duration.ZERO : SNAPSHOT_STAGGER.multipliedBy(rank);
  }

  /** This peer's current Raft configuration, or null when it is not running in the group. */
  RaftConfiguration raftConfiguration() {
    RaftServer current = server;
    if (current == null || closed) {
      return null;
    }
    try {
      return current.getDivision(GROUP_ID).getRaftConf();
    } catch (IOException e) {
      return null;
    }
  }

  // ---- end of membership ----

  private synchronized RaftStorePeer start(RaftGroup initialGroup) throws IOException {
    if (closed) {
      throw new IllegalStateException("peer " + config.id() + " is closed");
    }
    if (started) {
      return this;
    }
    Files.createDirectories(config.dataDir());
    requirePortFree();
    server = RaftServer.newBuilder()
        .setServerId(peerId)
        .setGroup(initialGroup)
        .setStateMachine(stateMachine)
        .setProperties(serverProperties())
        .setParameters(tlsParameters(commitSignal.parameters()))
        .setOption(RaftStorage.StartupOption.RECOVER)
        .build();
    try {
      server.start();
    } catch (IOException | RuntimeException e) {
      closed = true;
      closeQuietly();
      throw e;
    }
    long interval = config.tuning().progressNotifyInterval().toMillis();
    progressTimer.scheduleWithFixedDelay(stateMachine.store()::notifyProgress, interval, interval, TimeUnit.MILLISECONDS);
    leaseClient = newClient();
    progressTimer.scheduleWithFixedDelay(this::revokeExpiredLeases, LEASE_EXPIRY_CHECK.toMillis(),
        LEASE_EXPIRY_CHECK.toMillis(), TimeUnit.MILLISECONDS);
    AutoCompaction compaction = config.tuning().autoCompaction();
    if (compaction.enabled()) {
      long check = compaction.checkInterval().toMillis();
      progressTimer.scheduleWithFixedDelay(this::autoCompact, check, check, TimeUnit.MILLISECONDS);
    }
    started = true;
    if (initialGroup.getPeers().isEmpty()) {
      LOG.info("Store peer {} started on {} ({}); it waits to be added to a running group", config.id(),
          config.address(), transport());
    } else {
      LOG.info("Store peer {} started on {} ({}) with group {}", config.id(), config.address(), transport(),
          config.peers());
    }
    return this;
  }

  public String id() {
    return config.id();
  }

  /**
   * Every member of the group as configured at start, this one included; the live membership is
   * {@link StoreMembership#members()}.
   */
  public List<PeerAddress> members() {
    return config.peerAddresses();
  }

  /** The Raft term this peer is in (0 before it started). */
  public long raftTerm() {
    DivisionInfo info = divisionInfo();
    return info == null ? 0 : info.getCurrentTerm();
  }

  /** The index of the last log entry this peer applied to its store. */
  public long appliedIndex() {
    DivisionInfo info = divisionInfo();
    return info == null ? 0 : Math.max(0, info.getLastAppliedIndex());
  }

  /** The index of the last log entry this peer knows to be committed. */
  public long commitIndex() {
    RaftServer current = server;
    if (current == null || closed) {
      return 0;
    }
    try {
      return Math.max(0, current.getDivision(GROUP_ID).getRaftLog().getLastCommittedIndex());
    } catch (IOException e) {
      return 0;
    }
  }

  /** This peer's counters: leader changes, snapshots, write batches (for metrics). */
  public StoreStats stats() {
    return stats;
  }

  /** Approximate bytes held by this peer's copy of the store (every kept version). */
  public long storeSizeBytes() {
    return stateMachine.store().approximateSizeBytes();
  }

  public Config config() {
    return config;
  }

  /** Whether this peer is the Raft leader right now. */
  public boolean isLeader() {
    DivisionInfo info = divisionInfo();
    return info != null && info.isLeader();
  }

  /** The current leader's id as this peer knows it, if any; this peer's own id when it leads. */
  public Optional<String> leaderId() {
    DivisionInfo info = divisionInfo();
    if (info == null) {
      return Optional.empty();
    }
    // Ratis turns the role to leader a moment before it records itself as leader: answer
    // consistently with isLeader() in that window.
    if (info.isLeader()) {
      return Optional.of(config.id());
    }
    return Optional.ofNullable(info.getLeaderId()).map(RaftPeerId::toString);
  }

  /**
   * Writes this peer's copy of the store, as applied so far, in the store's snapshot format (the
   * one its Raft snapshots use; {@link MvccStore#restore} reads it); returns its revision.
   */
  public long writeSnapshot(java.io.OutputStream out) throws IOException {
    return stateMachine.store().writeSnapshot(out);
  }

  /** The revision of this peer's local copy of the store (what it has applied so far). */
  public long appliedRevision() {
    return stateMachine.store().revision();
  }

  boolean isClosed() {
    return closed;
  }

  boolean isStarted() {
    return started;
  }

  RaftGroup group() {
    return group;
  }

  RaftPeerId peerId() {
    return peerId;
  }

  MvccStore store() {
    return stateMachine.store();
  }

  MvccStateMachine stateMachine() {
    return stateMachine;
  }

  AutoCompactor autoCompactor() {
    return autoCompactor;
  }

  /**
   * A Raft client of this group that prefers this peer and gives up after the request timeout
   * (Ratis' default retries forever without pausing).
   */
  RaftClient newClient() {
    Duration requestTimeout = config.tuning().requestTimeout();
    int attempts = (int) Math.max(1, requestTimeout.toMillis() / CLIENT_RETRY_SLEEP.toMillis());
    return RaftClient.newBuilder()
        .setProperties(clientProperties())
        .setParameters(clientParameters())
        .setRaftGroup(group)
        .setLeaderId(peerId)
        .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(attempts,
            TimeDuration.valueOf(CLIENT_RETRY_SLEEP.toMillis(), TimeUnit.MILLISECONDS)))
        .build();
  }

  /** On the leader: proposes a revoke for each lease that ran out; a lost one is retried later. */
  private void revokeExpiredLeases() {
    try {
      DivisionInfo info = divisionInfo();
      if (info == null || !info.isLeader()) {
        return;
      }
      long term = info.getCurrentTerm();
      for (long id : stateMachine.store().takeExpiredLeases(MAX_REVOKES_PER_CHECK)) {
        LOG.debug("Lease {} expired; revoking it", id);
        leaseClient.async().send(StoreEnvelope.expiry(term, LeaseRevokeRequest.newBuilder().setID(id).build()))
            .whenComplete((reply, error) -> {
              if (error != null) {
                LOG.debug("Revoking expired lease {} failed; it is retried", id, error);
              }
            });
      }
    } catch (RuntimeException e) {
      // A failure here must not cancel the periodic check.
      LOG.warn("Checking for expired leases failed", e);
    }
  }

  // ---------------------------------------------------------------- automatic compaction

  /**
   * Runs the compaction policy; on the ready leader, a due compaction is proposed as an ordinary
   * Compact through the log. Unlike a lease expiry it needs no term stamp: compacting to a
   * revision this peer has applied is right whichever leader commits it, and a target at or below
   * the compaction point by then is refused the same way on every peer.
   */
  private void autoCompact() {
    try {
      MvccStore store = stateMachine.store();
      OptionalLong target = autoCompactor.tick(store.revision(), store.compactRevision(), isLeaderReady());
      if (target.isPresent()) {
        proposeCompaction(target.getAsLong());
      }
    } catch (RuntimeException e) {
      // A failure here must not cancel the periodic check.
      LOG.warn("Automatic compaction check failed", e);
    }
  }

  private void proposeCompaction(long revision) {
    LOG.info("Compacting the store to revision {} ({})", revision, autoCompactor.policy());
    leaseClient.async().send(StoreEnvelope.command(CompactionRequest.newBuilder().setRevision(revision).build()))
        .whenComplete((reply, error) -> {
          if (error != null || !reply.isSuccess()) {
            LOG.warn("Automatic compaction to revision {} failed; it is retried", revision,
                error != null ? error : reply.getException());
            return;
          }
          try {
            StoreEnvelope.parseReply(reply.getMessage(), CompactionResponse::parseFrom);
            autoCompactor.compacted(revision);
          } catch (StoreException e) {
            if (e.code() == StoreException.Code.COMPACTED) {
              // Someone compacted at least this far already; that is as good.
              autoCompactor.compacted(revision);
            } else {
              LOG.warn("Automatic compaction to revision {} failed: {}", revision, e.getMessage());
            }
          }
        });
  }

  /**
   * Hands a client request straight to this peer's Raft server, without the RPC layer a
   * {@link RaftClient} goes through even to reach its own process. The reply carries Ratis'
   * exception (not leader, leader not ready, ...) like a remote reply would; nothing retries.
   */
  CompletableFuture<RaftClientReply> submitLocally(ClientId clientId, long callId, Message message,
      RaftClientRequest.Type type, Duration timeout) {
    RaftServer current = server;
    if (current == null || closed) {
      return CompletableFuture.failedFuture(new AlreadyClosedException("store peer " + config.id() + " is closed"));
    }
    RaftClientRequest request = RaftClientRequest.newBuilder()
        .setClientId(clientId)
        .setServerId(peerId)
        .setGroupId(GROUP_ID)
        .setCallId(callId)
        .setMessage(message)
        .setType(type)
        .setTimeoutMs(timeout.toMillis())
        .build();
    try {
      return current.submitClientRequestAsync(request);
    } catch (IOException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Completes once this peer has applied the Raft log entry at {@code index}. */
  CompletableFuture<Void> awaitApplied(long index) {
    return stateMachine.awaitApplied(index);
  }

  /** Whether this peer leads and has applied its first entry as leader (so its commit index is its term's). */
  boolean isLeaderReady() {
    DivisionInfo info = divisionInfo();
    return info != null && info.isLeader() && info.isLeaderReady();
  }

  /** Completes at this peer's next change of leadership: ready as leader, or no longer leading. */
  CompletableFuture<Void> nextLeadershipEvent() {
    return stateMachine.nextLeadershipEvent();
  }

  /** A query answered by this peer's state machine as it stands, without asking the leader. */
  CompletableFuture<Message> queryLocally(Message query) {
    return stateMachine.query(query);
  }

  /**
   * Fails with an IOException naming the address when the Raft port is taken: Ratis, failing to
   * bind it, would terminate the whole JVM with a log line instead.
   */
  private void requirePortFree() throws IOException {
    PeerAddress.HostPort listen = PeerAddress.HostPort.parse(config.address(), "address");
    try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new java.net.InetSocketAddress(listen.host(), listen.port()));
    } catch (IOException e) {
      throw new IOException("the Raft address " + config.address() + " cannot be listened on: " + e.getMessage(), e);
    }
  }

  private String transport() {
    return config.tls().isPresent() ? "mutual TLS" : "plaintext";
  }

  /** Parameters of a Raft client of this peer's group: its TLS, if the peer has one. */
  Parameters clientParameters() {
    return tlsParameters(new Parameters());
  }

  private Parameters tlsParameters(Parameters parameters) {
    transportTls.ifPresent(t -> parameters.put(CapstanTransport.TLS, t, TransportTls.class));
    return parameters;
  }

  /** Properties for a client of this group, consistent with the server's timeouts. */
  RaftProperties clientProperties() {
    RaftProperties properties = new RaftProperties();
    Duration perAttempt = config.tuning().requestTimeout().compareTo(Duration.ofSeconds(3)) < 0
        ? config.tuning().requestTimeout() : Duration.ofSeconds(3);
    RaftClientConfigKeys.Rpc.setRequestTimeout(properties, millis(perAttempt));
    // Beyond this many writes in flight Ratis blocks the caller's thread (default 100); the
    // apiserver's many concurrent requests should queue in Raft instead.
    RaftClientConfigKeys.Async.setOutstandingRequestsMax(properties, 1000);
    CapstanTransport.use(properties);
    return properties;
  }

  private DivisionInfo divisionInfo() {
    RaftServer current = server;
    if (current == null || closed) {
      return null;
    }
    try {
      return current.getDivision(GROUP_ID).getInfo();
    } catch (IOException e) {
      return null;
    }
  }

  private RaftProperties serverProperties() {
    Tuning tuning = config.tuning();
    PeerAddress.HostPort listen = PeerAddress.HostPort.parse(config.address(), "address");
    RaftProperties properties = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(properties, List.of(config.dataDir().toFile()));
    // Followers learn commits from the commit signal instead of a commit-metadata log entry per
    // commit (a whole extra Raft round: an fsync on every peer); see CommitSignal.
    CapstanTransport.listenOn(properties, listen.host(), listen.port());
    RaftServerConfigKeys.Log.setLogMetadataEnabled(properties, false);
    // Ratis extends a log segment by writing fill bytes, 4 MB at a time by default; the next fsync
    // then flushes those 4 MB too, and since every peer reaches the same offset at the same entry,
    // all of them at once. On a shared disk that fsync took 400-700 ms (JFR's FileForce, three
    // peers at 150 writes/s) and failed etcdctl check perf on its slowest request; with 128 KB the
    // slowest fsync was 281 ms, check perf passed 4 of 4 runs, and throughput did not change.
    RaftServerConfigKeys.Log.setPreallocatedSize(properties, SizeInBytes.valueOf("128KB"));
    RaftServerConfigKeys.Rpc.setTimeoutMin(properties, millis(tuning.electionTimeoutMin()));
    RaftServerConfigKeys.Rpc.setTimeoutMax(properties, millis(tuning.electionTimeoutMax()));
    // A follower silent for this long counts as slow: the leader then paces its retries to it
    // instead of re-sending (and re-reading log entries) on every new write, which otherwise
    // burns the leader's CPU while a peer is down. Ratis' default is 60 s.
    RaftServerConfigKeys.Rpc.setSlownessTimeout(properties, millis(tuning.electionTimeoutMax().multipliedBy(2)));
    RaftServerConfigKeys.Read.setOption(properties, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    // Without a lease, Ratis answers a read index only after the next append round trip that
    // follows it, and sends none of its own: an idle store made every linearizable read wait for
    // the next heartbeat (up to half the election timeout; the apiserver bench saw a steady 500 ms
    // p99 on gets). With it, a leader that heard from a majority within 90% of the minimum election
    // timeout answers at once; no follower can have started an election in that time.
    RaftServerConfigKeys.Read.setLeaderLeaseEnabled(properties, true);
    RaftServerConfigKeys.Read.setTimeout(properties, millis(tuning.requestTimeout()));
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(properties, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(properties, tuning.snapshotThreshold());
    RaftServerConfigKeys.Snapshot.setRetentionFileNum(properties, 2);
    // Purge up to the snapshot even if a follower lags: it catches up by installing the snapshot,
    // so a dead follower does not pin the log forever.
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(properties, true);
    RaftServerConfigKeys.Log.setPurgeGap(properties, (int) Math.min(1024, tuning.snapshotThreshold()));
    return properties;
  }

  private static TimeDuration millis(Duration duration) {
    return TimeDuration.valueOf(duration.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Stops the server; watches on this peer end with UNAVAILABLE. The data dir is kept. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    closeQuietly();
    LOG.info("Store peer {} closed", config.id());
  }

  private void closeQuietly() {
    progressTimer.shutdownNow();
    if (leaseClient != null) {
      try {
        leaseClient.close();
      } catch (IOException | RuntimeException e) {
        LOG.warn("Closing the lease client of peer {} failed", config.id(), e);
      }
    }
    if (server != null) {
      try {
        server.close();
      } catch (IOException | RuntimeException e) {
        LOG.warn("Closing the Raft server of peer {} failed", config.id(), e);
      }
    }
    // The state machine closes with the server; close the store too in case it never started.
    stateMachine.store().close();
    watchExecutor.shutdown();
    appliedExecutor.shutdown();
  }
}
