package dev.capstan.store.ratis;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Raft store peers in this JVM on loopback ports, with test-speed timeouts. Peers can be stopped
 * and restarted on their data dirs; stores built through {@link #store} are closed with the
 * cluster. Public for the storage conformance suite, which runs against such clusters too.
 */
public final class TestCluster implements AutoCloseable {

  public static final RaftStorePeer.Tuning FAST = RaftStorePeer.Tuning.defaults()
      .withElectionTimeouts(Duration.ofMillis(300), Duration.ofMillis(600))
      .withRequestTimeout(Duration.ofSeconds(5));

  private final Path root;
  private final RaftStorePeer.Tuning tuning;
  private final Clock clock;
  private final Map<String, String> addresses = new LinkedHashMap<>();
  private final Map<String, RaftStorePeer> running = new LinkedHashMap<>();
  private final List<RatisKeyValueStore> stores = new ArrayList<>();

  public TestCluster(Path root, int size, RaftStorePeer.Tuning tuning) {
    this(root, size, tuning, Clock.systemUTC());
  }

  /** A cluster whose peers time leases on {@code clock}. */
  public TestCluster(Path root, int size, RaftStorePeer.Tuning tuning, Clock clock) {
    this.root = root;
    this.tuning = tuning;
    this.clock = clock;
    for (int i = 1; i <= size; i++) {
      addresses.put("s" + i, "127.0.0.1:" + freePort());
    }
  }

  /** Every port {@link #freePort} has handed out in this JVM. */
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  /**
   * A loopback port free now and not handed out before in this JVM: the kernel may give a
   * just-closed ephemeral port out again at once, and two peers of one cluster were once given the
   * same one (the second's Raft server failed to bind, and Ratis exits the JVM on that).
   */
  public static int freePort() {
    while (true) {
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        if (HANDED_OUT.add(socket.getLocalPort())) {
          return socket.getLocalPort();
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  public List<String> ids() {
    return List.copyOf(addresses.keySet());
  }

  public Path dataDir(String id) {
    return root.resolve(id);
  }

  public RaftStorePeer.Config config(String id) {
    List<String> peers = addresses.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    return new RaftStorePeer.Config(id, dataDir(id), addresses.get(id), peers, tuning);
  }

  public TestCluster startAll() {
    ids().forEach(this::start);
    return this;
  }

  public RaftStorePeer start(String id) {
    try {
      RaftStorePeer peer = new RaftStorePeer(config(id), clock).start();
      running.put(id, peer);
      return peer;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reserves a loopback port for a new member {@code id} that will join the running group (every
   * member's configuration then lists it, as etcd's {@code --initial-cluster} would); returns its
   * Raft address.
   */
  public String reserve(String id) {
    addresses.put(id, "127.0.0.1:" + freePort());
    return addresses.get(id);
  }

  /** Starts {@code id} (reserved first) with an empty group: it waits to be added. */
  public RaftStorePeer startJoining(String id) {
    try {
      RaftStorePeer peer = new RaftStorePeer(config(id), clock).startJoining();
      running.put(id, peer);
      return peer;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void stop(String id) {
    RaftStorePeer peer = running.remove(id);
    if (peer != null) {
      peer.close();
    }
  }

  /** The peers running now, by id. */
  public List<RaftStorePeer> runningPeers() {
    return List.copyOf(running.values());
  }

  public RaftStorePeer peer(String id) {
    return running.get(id);
  }

  /** A new store on a running peer, closed with the cluster. */
  public RatisKeyValueStore store(String id) {
    RatisKeyValueStore store = new RatisKeyValueStore(running.get(id));
    stores.add(store);
    return store;
  }

  /** Waits until the running peers agree on one leader among them, and returns its id. */
  public String awaitLeader() {
    return await().atMost(Duration.ofSeconds(15)).until(this::agreedLeader, Optional::isPresent).orElseThrow();
  }

  /** Waits until the running peers among {@code ids} agree on one leader among them. */
  public String awaitLeaderAmong(List<String> ids) {
    return await().atMost(Duration.ofSeconds(15))
        .until(() -> agreedLeader(running.values().stream().filter(p -> ids.contains(p.id())).toList()),
            Optional::isPresent).orElseThrow();
  }

  private Optional<String> agreedLeader() {
    return agreedLeader(List.copyOf(running.values()));
  }

  private static Optional<String> agreedLeader(List<RaftStorePeer> peers) {
    Optional<RaftStorePeer> leader = peers.stream().filter(RaftStorePeer::isLeader).findFirst();
    if (leader.isEmpty()) {
      return Optional.empty();
    }
    String id = leader.get().id();
    boolean agreed = peers.stream().allMatch(p -> p.leaderId().filter(id::equals).isPresent());
    return agreed ? Optional.of(id) : Optional.empty();
  }

  public String aFollower() {
    String leader = awaitLeader();
    return running.keySet().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
  }

  @Override
  public void close() {
    stores.forEach(RatisKeyValueStore::close);
    for (String id : List.copyOf(running.keySet())) {
      stop(id);
    }
  }
}
