package dev.capstan.store.remote;

import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.capstan.etcd.etcdserverpb.MaintenanceGrpc;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.etcd.etcdserverpb.StatusRequest;
import dev.capstan.etcd.etcdserverpb.StatusResponse;
import dev.capstan.store.ratis.TestCluster;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real one-member etcd (Debian's {@code etcd-server}, 3.4) for tests: on free loopback ports,
 * with a data dir of its own that is deleted when it stops. etcd 3.4 has no --unsafe-no-fsync, so
 * the data dir goes to tmpfs ({@code /dev/shm}) when there is one, which makes fsync cheap; the
 * Ratis store under test fsyncs to its @TempDir on disk, so etcd is, if anything, favoured.
 *
 * <p>{@link #requireBinary()} skips the calling test when etcd is not installed and we are not
 * root; as root (CI) {@code scripts/install-test-deps} installs it, so a missing binary fails.
 */
public final class EtcdProcess implements AutoCloseable {

  private static final Duration STARTUP = Duration.ofSeconds(30);

  private final Path dataDir;
  private final Process process;
  private final int clientPort;

  private EtcdProcess(Path dataDir, Process process, int clientPort) {
    this.dataDir = dataDir;
    this.process = process;
    this.clientPort = clientPort;
  }

  /** The etcd binary, or aborts the test (not root) / fails it (root) when there is none. */
  public static Path requireBinary() {
    Optional<Path> binary = findBinary();
    if (binary.isEmpty()) {
      boolean root = "root".equals(System.getProperty("user.name"));
      if (!root) {
        Assumptions.abort("etcd is not installed (scripts/install-test-deps installs it as root)");
      }
      throw new AssertionError("etcd is not installed although we are root: run scripts/install-test-deps");
    }
    return binary.get();
  }

  private static Optional<Path> findBinary() {
    Stream<Path> candidates = Stream.concat(Stream.of(Paths.get("/usr/bin/etcd")),
        Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
            .filter(dir -> !dir.isEmpty()).map(dir -> Paths.get(dir, "etcd")));
    return candidates.filter(Files::isExecutable).findFirst();
  }

  /** Starts etcd and waits until it answers a read; retries on a port taken in the meantime. */
  public static EtcdProcess start() throws IOException {
    Path binary = requireBinary();
    IOException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      try {
        return startOnce(binary);
      } catch (IOException e) {
        last = e;
      }
    }
    throw last;
  }

  private static EtcdProcess startOnce(Path binary) throws IOException {
    int peerPort = freePort();
    EtcdProcess etcd = launch(binary, "conformance", freePort(), peerPort, "conformance=" + peerUrl(peerPort));
    awaitReady(etcd);
    return etcd;
  }

  /**
   * Starts a cluster of {@code size} members (m1, m2, ...) and waits until each answers a
   * linearizable read, which needs an elected leader.
   */
  public static List<EtcdProcess> startCluster(int size) throws IOException {
    Path binary = requireBinary();
    int[] clientPorts = new int[size];
    int[] peerPorts = new int[size];
    StringBuilder initialCluster = new StringBuilder();
    for (int i = 0; i < size; i++) {
      clientPorts[i] = freePort();
      peerPorts[i] = freePort();
      initialCluster.append(i == 0 ? "" : ",").append("m").append(i + 1).append('=').append(peerUrl(peerPorts[i]));
    }
    List<EtcdProcess> members = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < size; i++) {
        members.add(launch(binary, "m" + (i + 1), clientPorts[i], peerPorts[i], initialCluster.toString()));
      }
      for (EtcdProcess member : members) {
        awaitReady(member);
      }
    } catch (IOException | RuntimeException e) {
      members.forEach(EtcdProcess::close);
      throw e;
    }
    return members;
  }

  private static String peerUrl(int port) {
    return "http://127.0.0.1:" + port;
  }

  private static EtcdProcess launch(Path binary, String name, int clientPort, int peerPort, String initialCluster)
      throws IOException {
    Path shm = Paths.get("/dev/shm");
    Path dataDir = Files.isDirectory(shm) && Files.isWritable(shm)
        ? Files.createTempDirectory(shm, "capstan-etcd-") : Files.createTempDirectory("capstan-etcd-");
    String client = "http://127.0.0.1:" + clientPort;
    String peer = peerUrl(peerPort);
    Process process = new ProcessBuilder(List.of(binary.toString(),
        "--name", name,
        "--data-dir", dataDir.resolve("data").toString(),
        "--listen-client-urls", client, "--advertise-client-urls", client,
        "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
        "--initial-cluster", initialCluster,
        "--initial-cluster-state", "new",
        "--logger", "zap", "--log-level", "warn"))
        .redirectErrorStream(true)
        .redirectOutput(dataDir.resolve("etcd.log").toFile())
        .start();
    return new EtcdProcess(dataDir, process, clientPort);
  }

  private static void awaitReady(EtcdProcess etcd) throws IOException {
    Process process = etcd.process;
    try (EtcdKeyValueStore probe = new EtcdKeyValueStore(List.of(etcd.endpoint()), Duration.ofSeconds(2))) {
      RangeRequest health = RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("health")).build();
      await("etcd on " + etcd.endpoint() + " to answer").atMost(STARTUP).pollInterval(Duration.ofMillis(50))
          .until(() -> {
            if (!process.isAlive()) {
              throw new UncheckedIOException(
                  new IOException("etcd exited with " + process.exitValue() + ": " + etcd.log()));
            }
            return probe.range(health).handle((response, error) -> error == null).get();
          });
    } catch (UncheckedIOException e) {
      // Most likely a port taken between choosing and binding it: the caller tries again.
      etcd.close();
      throw e.getCause();
    } catch (RuntimeException e) {
      etcd.close();
      throw e;
    }
  }

  /** Whether this member is its cluster's leader right now (asks its Maintenance service). */
  public boolean isLeader() {
    ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", clientPort,
        InsecureChannelCredentials.create()).build();
    try {
      StatusResponse status = MaintenanceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
          .status(StatusRequest.getDefaultInstance());
      return status.getLeader() == status.getHeader().getMemberId();
    } finally {
      channel.shutdownNow();
    }
  }

  /** Where clients reach it: {@code 127.0.0.1:port}. */
  public String endpoint() {
    return "127.0.0.1:" + clientPort;
  }

  public String log() {
    try {
      return Files.readString(dataDir.resolve("etcd.log"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** Stops etcd and deletes its data; safe to call again. */
  @Override
  public void close() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!Files.exists(dataDir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dataDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static int freePort() {
    return TestCluster.freePort();
  }
}
