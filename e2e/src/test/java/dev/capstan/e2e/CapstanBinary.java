package dev.capstan.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** Runs the built {@code capstan} jar as a separate process, the way a user runs it. */
final class CapstanBinary {
  private final Path jar;
  private final Path config;

  CapstanBinary(Path config) {
    this.jar = Path.of(System.getProperty("capstan.jar", "../cli/target/capstan.jar")).toAbsolutePath();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("the capstan jar is not built: " + jar);
    }
    this.config = config;
  }

  /** The result of one CLI command. */
  record Result(int exitCode, String stdout, String stderr) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
    }
  }

  ProcessBuilder command(List<String> args) {
    List<String> cmd = new ArrayList<>(List.of(javaBin(), "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-jar", jar.toString()));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    Map<String, String> env = pb.environment();
    env.put("CAPSTAN_CONFIG", config.toString());
    return pb;
  }

  /** Runs a CLI command to completion, optionally feeding standard input. */
  Result runWithInput(String stdin, String... args) {
    try {
      Process p = command(List.of(args)).start();
      CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
      CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
      try (var in = p.getOutputStream()) {
        if (stdin != null) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      }
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("capstan " + String.join(" ", args) + " did not finish in 120 s");
      }
      return new Result(p.exitValue(), out.join(), err.join());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  Result run(String... args) {
    return runWithInput(null, args);
  }

  private static String read(java.io.InputStream in) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      StringBuilder sb = new StringBuilder();
      String line;
      while ((line = r.readLine()) != null) {
        sb.append(line).append('\n');
      }
      return sb.toString();
    } catch (IOException e) {
      return "";
    }
  }

  static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** Every port {@link #freePort} has handed out in this JVM. */
  private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** Below this the ports are well-known or registered ones that other software listens on. */
  private static final int LOWEST_PORT = 10_000;
  /** Where the kernel's ephemeral ports begin: {@link #freePort} stays below it. */
  static final int EPHEMERAL_RANGE_START = ephemeralRangeStart();

  /**
   * A port free now, below the kernel's ephemeral range, and not handed out before in this JVM.
   * Ports from the ephemeral range (what binding port 0 gives) are also the local ports of the
   * machine's outgoing connections, so one that is free at this check can be taken by any process
   * before the daemon binds it: an agent once failed to listen because the server started in the
   * meantime had connected from its port (AgentCrashOnContainerdE2ETest). The kernel never hands
   * out a port below the range by itself. Checked without SO_REUSEADDR, so a port that still has
   * connections in TIME_WAIT counts as taken; never handed out twice, since two daemons of one
   * test were once given the same just-closed port (HaClusterE2ETest).
   */
  static int freePort() {
    int below = EPHEMERAL_RANGE_START;
    for (int attempt = 0; attempt < 10_000; attempt++) {
      int port = LOWEST_PORT + ThreadLocalRandom.current().nextInt(below - LOWEST_PORT);
      if (HANDED_OUT.contains(port)) {
        continue;
      }
      try (ServerSocket s = new ServerSocket()) {
        s.setReuseAddress(false);
        s.bind(new InetSocketAddress(port));
      } catch (IOException taken) {
        continue;
      }
      if (HANDED_OUT.add(port)) {
        return port;
      }
    }
    throw new IllegalStateException("no free port between " + LOWEST_PORT + " and " + below + " after 10,000 tries");
  }

  /** The first port of the kernel's ephemeral range (net.ipv4.ip_local_port_range); Linux's default if unreadable. */
  private static int ephemeralRangeStart() {
    try {
      // Line by line: reading this file whole by its size (0, as for every /proc file) gave "3" here.
      String range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim();
      int start = Integer.parseInt(range.split("\\s+")[0]);
      return start > LOWEST_PORT + 1_000 ? start : 32_768;
    } catch (IOException | RuntimeException e) {
      return 32_768;
    }
  }

}
