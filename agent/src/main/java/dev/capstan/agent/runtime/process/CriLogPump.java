package dev.capstan.agent.runtime.process;

import dev.capstan.agent.runtime.CriLogLine;
import dev.capstan.agent.runtime.LogStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;

/**
 * Copies one output stream of a process into a {@link CriLogWriter} until end of stream: every
 * {@code \n}-terminated line becomes an {@code F} record, longer lines are split into {@code P}
 * records of {@link CriLogLine#MAX_RECORD_BYTES}, and an unterminated last line is written as
 * {@code P} at end of stream, as containerd does, so that the log reproduces the output without a
 * newline the process never wrote.
 */
final class CriLogPump implements Runnable {
  private final InputStream in;
  private final LogStream stream;
  private final CriLogWriter writer;
  private final Clock clock;

  CriLogPump(InputStream in, LogStream stream, CriLogWriter writer, Clock clock) {
    this.in = in;
    this.stream = stream;
    this.writer = writer;
    this.clock = clock;
  }

  @Override
  public void run() {
    byte[] buf = new byte[8192];
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    try (in) {
      int n;
      while ((n = in.read(buf)) > 0) {
        for (int i = 0; i < n; i++) {
          byte b = buf[i];
          if (b == '\n') {
            emit(line, false);
          } else {
            line.write(b);
            if (line.size() == CriLogLine.MAX_RECORD_BYTES) {
              emit(line, true);
            }
          }
        }
      }
    } catch (IOException e) {
      // The pipe closes when the process and everything holding it are gone: treat as end of stream.
    }
    if (line.size() > 0) {
      emit(line, true);
    }
  }

  private void emit(ByteArrayOutputStream line, boolean partial) {
    writer.write(new CriLogLine(clock.instant(), stream, partial, line.toByteArray()));
    line.reset();
  }
}
