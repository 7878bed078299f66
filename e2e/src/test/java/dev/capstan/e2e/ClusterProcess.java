package dev.capstan.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A {@code capstan up} daemon run as its own process. Its output goes to a log file in the data
 * dir's parent (kept for post-mortems); start returns when it prints that it is up.
 */
final class ClusterProcess implements AutoCloseable {
  final int apiPort = CapstanBinary.freePort();
  final int raftPort = CapstanBinary.freePort();
  final int agentPort = CapstanBinary.freePort();
  final int etcdPort = CapstanBinary.freePort();
  final int metricsPort = CapstanBinary.freePort();
  private final CapstanBinary binary;
  private final Path dataDir;
  private final Path log;
  private final List<String> extraArgs;
  private Process process;

  /** A cluster run with further {@code up} flags, e.g. {@code --runtime process}. */
  ClusterProcess(CapstanBinary binary, Path dataDir, String... extraArgs) {
    this.binary = binary;
    this.dataDir = dataDir;
    this.extraArgs = List.of(extraArgs);
    this.log = dataDir.resolveSibling("capstan-up.log");
  }

  void start() throws IOException, InterruptedException {
    List<String> args = new java.util.ArrayList<>(List.of("up", "--data-dir", dataDir.toString(), "--node-name",
        "e2e-node", "--api-port", Integer.toString(apiPort), "--raft-port", Integer.toString(raftPort),
        "--agent-port", Integer.toString(agentPort), "--etcd-port", Integer.toString(etcdPort),
        "--metrics-port", Integer.toString(metricsPort)));
    args.addAll(extraArgs);
    process = binary.command(args).redirectErrorStream(true).start();
    CountDownLatch up = new CountDownLatch(1);
    Thread pump = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          Files.writeString(log, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
          if (line.startsWith("Capstan is up")) {
            up.countDown();
          }
        }
      } catch (IOException ignored) {
        // the process ended
      }
    }, "capstan-up-output");
    pump.setDaemon(true);
    pump.start();
    if (!up.await(90, TimeUnit.SECONDS)) {
      String out = Files.exists(log) ? Files.readString(log) : "";
      close();
      throw new AssertionError("capstan up did not come up in 90 s; its output:\n" + out);
    }
  }

  ProcessHandle handle() {
    return process.toHandle();
  }

  String output() throws IOException {
    return Files.exists(log) ? Files.readString(log) : "";
  }

  /** Stops the daemon as a user would (SIGTERM) and waits for it to exit. */
  void stop() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("capstan up did not stop within 60 s of SIGTERM");
      }
    }
  }

  @Override
  public void close() {
    if (process != null && process.isAlive()) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
  }
}
