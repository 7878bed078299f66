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
 * A long-running {@code capstan} daemon ({@code server}, {@code agent}) as its own process. Its
 * output goes to {@code log} (kept for post-mortems); {@link #awaitReady} returns once it has
 * printed a line starting with the given text.
 */
final class DaemonProcess implements AutoCloseable {
  private final String name;
  private final Path log;
  private final Process process;
  /** Counted down at the ready line, or when the output ends (the process exited) without it. */
  private final CountDownLatch ready = new CountDownLatch(1);
  private volatile boolean sawReadyLine;

  private DaemonProcess(String name, Path log, Process process, String readyLine) {
    this.name = name;
    this.log = log;
    this.process = process;
    Thread pump = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          Files.writeString(log, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
          if (line.startsWith(readyLine)) {
            sawReadyLine = true;
            ready.countDown();
          }
        }
      } catch (IOException ignored) {
        // the process ended
      } finally {
        ready.countDown();
      }
    }, name + "-output");
    pump.setDaemon(true);
    pump.start();
  }

  static DaemonProcess start(CapstanBinary binary, String name, Path log, String readyLine, List<String> args)
      throws IOException {
    Process p = binary.command(args).redirectErrorStream(true).start();
    return new DaemonProcess(name, log, p, readyLine);
  }

  /** Returns once the ready line was printed; fails at once, with the output, if the process exits first. */
  void awaitReady() throws IOException, InterruptedException {
    boolean settled = ready.await(90, TimeUnit.SECONDS);
    if (!settled || !sawReadyLine) {
      String out = output();
      close();
      throw new AssertionError(name + (settled ? " exited before it was up" : " did not come up in 90 s")
          + "; its output:\n" + out);
    }
  }

  String output() throws IOException {
    return Files.exists(log) ? Files.readString(log) : "";
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL, as a crash would. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM, as an operator stops a daemon, and waits until it has exited. */
  void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(name + " did not stop within 60 s of SIGTERM");
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
  }
}
