package dev.capstan.store.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the real {@code etcdctl} (API v3) against given endpoints. When etcdctl is missing and this
 * runs as root (CI), it installs it with {@code scripts/install-test-deps}; otherwise tests that
 * need it are skipped.
 */
final class Etcdctl {

  /** What one run printed. */
  record Result(int exitCode, String out, String err) {
    Result ok() {
      assertThat(exitCode).as("etcdctl exit code; stderr: %s; stdout: %s", err, out).isZero();
      return this;
    }

    List<String> lines() {
      return out.lines().toList();
    }
  }

  private final List<String> endpoints;

  Etcdctl(List<String> endpoints) {
    this.endpoints = List.copyOf(endpoints);
  }

  /** Makes sure etcdctl is there, or skips the calling test when it cannot be. */
  static void assumeInstalled() {
    if (installed()) {
      return;
    }
    Assumptions.assumeTrue(isRoot(), "etcdctl is not installed (apt-get install etcd-client)");
    Path script = Path.of("..", "scripts", "install-test-deps").toAbsolutePath().normalize();
    try {
      Process install = new ProcessBuilder(script.toString()).inheritIO().start();
      if (!install.waitFor(10, TimeUnit.MINUTES) || install.exitValue() != 0) {
        throw new IllegalStateException(script + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    assertThat(installed()).as("etcdctl after " + script).isTrue();
  }

  private static boolean installed() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, "etcdctl"))) {
        return true;
      }
    }
    return false;
  }

  private static boolean isRoot() {
    try {
      Process id = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
      String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      id.waitFor(10, TimeUnit.SECONDS);
      return "0".equals(uid);
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  ProcessBuilder command(String... args) {
    List<String> command = new ArrayList<>();
    command.add("etcdctl");
    command.add("--endpoints=" + String.join(",", endpoints));
    command.add("--dial-timeout=5s");
    command.add("--command-timeout=15s");
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("ETCDCTL_API", "3");
    return builder;
  }

  Result run(String... args) {
    return runWithInput("", args);
  }

  Result runWithInput(String stdin, String... args) {
    return run(Duration.ofSeconds(60), stdin, args);
  }

  Result run(Duration timeout, String stdin, String... args) {
    try {
      Path out = Files.createTempFile("etcdctl", ".out");
      Path err = Files.createTempFile("etcdctl", ".err");
      try {
        Process process = command(args).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          process.destroyForcibly();
          throw new AssertionError("etcdctl " + String.join(" ", args) + " did not finish in " + timeout
              + "; it printed: " + Files.readString(out) + Files.readString(err));
        }
        return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
