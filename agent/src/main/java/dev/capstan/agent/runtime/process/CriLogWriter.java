package dev.capstan.agent.runtime.process;

import dev.capstan.agent.runtime.CriLogLine;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends CRI log records to one container's log file. Both stream pumps share it; every record is
 * written with one unbuffered write so that readers following the file never see half a record.
 */
final class CriLogWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CriLogWriter.class);

  private final Path path;
  private final OutputStream out;
  private boolean failed;

  CriLogWriter(Path path) throws IOException {
    this.path = path;
    Files.createDirectories(path.getParent());
    this.out = new FileOutputStream(path.toFile(), true);
  }

  synchronized void write(CriLogLine line) {
    if (failed) {
      return;
    }
    try {
      out.write(line.encode());
    } catch (IOException e) {
      // A full disk must not kill the container; the log just stops, as with containerd.
      failed = true;
      log.warn("cannot write container log {}: {}", path, e.toString());
    }
  }

  @Override
  public synchronized void close() {
    try {
      out.close();
    } catch (IOException e) {
      log.debug("closing {}", path, e);
    }
  }
}
