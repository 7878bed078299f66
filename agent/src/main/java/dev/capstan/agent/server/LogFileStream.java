package dev.capstan.agent.server;

import com.google.protobuf.ByteString;
import dev.capstan.agent.runtime.CriLogLine;
import dev.capstan.api.core.v1.PodLogChunk;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams one CRI log file to a client as plain text: each record's message (with its RFC 3339
 * timestamp first when asked), a newline after full records, none after partial ones. Starts at
 * the last {@code tailLines} records when given. With follow, keeps polling the file for appended
 * records until the client cancels or the log is no longer active (its container exited or its
 * pod left), then sends what is left and completes.
 *
 * <p>Each step runs on the shared poller; a step reads at most a chunk and waits for the client
 * to take it (gRPC's isReady) before reading on, so a slow client never makes the agent buffer a
 * whole file.
 */
final class LogFileStream {
  private static final Logger log = LoggerFactory.getLogger(LogFileStream.class);
  private static final int CHUNK = 64 * 1024;

  private final ContainerLog source;
  private final boolean follow;
  private final boolean timestamps;
  private final Long tailLines;
  private final ServerCallStreamObserver<PodLogChunk> out;
  private final ScheduledExecutorService poller;
  private final Duration pollInterval;
  private final ByteArrayOutputStream pendingLine = new ByteArrayOutputStream();
  private FileChannel channel;
  private volatile boolean cancelled;
  private boolean draining;

  LogFileStream(ContainerLog source, boolean follow, boolean timestamps, Long tailLines,
      ServerCallStreamObserver<PodLogChunk> out, ScheduledExecutorService poller, Duration pollInterval) {
    this.source = source;
    this.follow = follow;
    this.timestamps = timestamps;
    this.tailLines = tailLines;
    this.out = out;
    this.poller = poller;
    this.pollInterval = pollInterval;
    out.setOnCancelHandler(() -> cancelled = true);
  }

  void start() {
    poller.execute(this::step);
  }

  private void step() {
    try {
      if (cancelled) {
        close();
        return;
      }
      if (channel == null && !open()) {
        if (follow && source.active().getAsBoolean()) {
          schedule();
        } else {
          finish();
        }
        return;
      }
      if (!out.isReady()) {
        schedule();
        return;
      }
      ByteBuffer buf = ByteBuffer.allocate(CHUNK);
      int n = channel.read(buf);
      if (n > 0) {
        byte[] text = render(buf.array(), n);
        if (text.length > 0) {
          out.onNext(PodLogChunk.newBuilder().setData(ByteString.copyFrom(text)).build());
        }
        poller.execute(this::step); // more may be there right away
        return;
      }
      if (!follow || draining) {
        finish();
      } else if (!source.active().getAsBoolean()) {
        draining = true; // one more read picks up what was written before the container exited
        poller.execute(this::step);
      } else {
        schedule();
      }
    } catch (IOException | RuntimeException e) {
      log.warn("streaming {} failed: {}", source.path(), e.toString());
      close();
      if (!cancelled) {
        out.onError(Status.INTERNAL.withDescription("reading log " + source.path().getFileName() + ": " + e.getMessage())
            .asRuntimeException());
      }
    }
  }

  private boolean open() throws IOException {
    try {
      channel = FileChannel.open(source.path(), StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      return false;
    }
    if (tailLines != null) {
      channel.position(tailStart(channel, tailLines));
    }
    return true;
  }

  /** Turns complete records into output; keeps a trailing incomplete record for the next read. */
  private byte[] render(byte[] data, int length) {
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    int start = 0;
    for (int i = 0; i < length; i++) {
      if (data[i] != '\n') {
        continue;
      }
      byte[] record;
      if (pendingLine.size() > 0) {
        pendingLine.write(data, start, i - start);
        record = pendingLine.toByteArray();
        pendingLine.reset();
      } else {
        record = java.util.Arrays.copyOfRange(data, start, i);
      }
      start = i + 1;
      appendRecord(text, record);
    }
    pendingLine.write(data, start, length - start);
    return text.toByteArray();
  }

  private void appendRecord(ByteArrayOutputStream text, byte[] record) {
    CriLogLine line;
    try {
      line = CriLogLine.parse(record, 0, record.length);
    } catch (IllegalArgumentException e) {
      log.debug("skipping malformed record in {}: {}", source.path(), e.getMessage());
      return;
    }
    if (timestamps) {
      text.writeBytes((CriLogLine.formatTimestamp(line.timestamp()) + " ").getBytes(StandardCharsets.US_ASCII));
    }
    text.writeBytes(line.message());
    if (!line.partial()) {
      text.write('\n');
    }
  }

  private void schedule() {
    poller.schedule(this::step, pollInterval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void finish() {
    close();
    if (!cancelled) {
      out.onCompleted();
    }
  }

  private void close() {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        // nothing left to do with it
      }
    }
  }

  /** The offset of the first of the last {@code lines} records (whole file when it has fewer). */
  static long tailStart(FileChannel channel, long lines) throws IOException {
    long size = channel.size();
    if (lines <= 0) {
      return size;
    }
    long pos = size;
    long newlines = 0;
    ByteBuffer buf = ByteBuffer.allocate(8192);
    boolean skippedFinalNewline = false;
    while (pos > 0) {
      int len = (int) Math.min(buf.capacity(), pos);
      pos -= len;
      buf.clear().limit(len);
      channel.read(buf, pos);
      for (int i = len - 1; i >= 0; i--) {
        if (buf.get(i) != '\n') {
          continue;
        }
        if (!skippedFinalNewline && pos + i == size - 1) {
          skippedFinalNewline = true; // the newline that ends the last record
          continue;
        }
        if (++newlines == lines) {
          return pos + i + 1;
        }
      }
    }
    return 0;
  }
}
