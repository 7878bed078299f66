package dev.capstan.apiserver.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes {@link AuditEvent}s as JSON lines, appended to a file or to stdout, from a thread of its
 * own: a request only offers its event to a bounded queue and never waits for the disk. When the
 * queue is full the event is dropped and {@code onDrop} is told (a metric counts them). There is
 * no rotation: an operator rotates the file with logrotate's copytruncate, or ships stdout.
 */
public final class AuditLog implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AuditLog.class);
  /** Enough for a burst of thousands of writes while the disk stalls, a few MB at most. */
  public static final int DEFAULT_QUEUE_CAPACITY = 10_000;
  private static final AuditEvent END = AuditEvent.of(AuditLevel.NONE, AuditStage.RESPONSE_COMPLETE, "",
      java.time.Instant.EPOCH, java.time.Instant.EPOCH, "", null, List.of(), null, null, null, null, 0);

  private final ObjectMapper json = new ObjectMapper();
  private final BlockingQueue<AuditEvent> queue;
  private final Writer out;
  private final boolean closeOut;
  private final Runnable onDrop;
  private final Thread writer;
  private volatile boolean closed;

  private AuditLog(Writer out, boolean closeOut, int capacity, Runnable onDrop) {
    this.out = out;
    this.closeOut = closeOut;
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.onDrop = onDrop;
    this.writer = new Thread(this::drain, "apiserver-audit-log");
    writer.setDaemon(true);
    writer.start();
  }

  /**
   * Opens the log at {@code target}: a file path (created if missing, appended to) or {@code -}
   * for stdout.
   */
  public static AuditLog open(String target, int capacity, Runnable onDrop) {
    if (target.equals("-")) {
      return new AuditLog(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), false, capacity, onDrop);
    }
    Path path = Path.of(target);
    try {
      if (path.getParent() != null) {
        Files.createDirectories(path.getParent());
      }
      OutputStream file = Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
          StandardOpenOption.WRITE);
      return new AuditLog(new OutputStreamWriter(file, StandardCharsets.UTF_8), true, capacity, onDrop);
    } catch (IOException e) {
      throw new UncheckedIOException("--audit-log-path: cannot open " + path + " for appending: " + e.getMessage(), e);
    }
  }

  /** A log written to {@code out}, which stays open on close (tests). */
  static AuditLog to(Writer out, int capacity, Runnable onDrop) {
    return new AuditLog(out, false, capacity, onDrop);
  }

  /** Queues the event for writing; never blocks. */
  public void record(AuditEvent event) {
    if (closed || !queue.offer(event)) {
      onDrop.run();
    }
  }

  private void drain() {
    List<AuditEvent> batch = new ArrayList<>();
    try {
      while (true) {
        batch.add(queue.take());
        queue.drainTo(batch);
        for (AuditEvent e : batch) {
          if (e == END) {
            out.flush();
            return;
          }
          out.write(json.writeValueAsString(e));
          out.write('\n');
        }
        batch.clear();
        out.flush();  // once per batch: a tail -f sees each request soon, a burst costs one flush
      }
    } catch (IOException e) {
      log.error("audit log: cannot write; further events are dropped", e);
      closed = true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Writes what is queued, then closes the file. */
  @Override
  public void close() {
    closed = true;
    try {
      if (writer.isAlive()) {
        queue.put(END);
        writer.join();
      }
      if (closeOut) {
        out.close();
      } else {
        out.flush();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      log.warn("audit log: cannot close", e);
    }
  }
}
