package dev.capstan.bench.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** The per-thread files Linux keeps for a process under /proc/PID/task/TID/. */
final class ProcessTasks {

  private ProcessTasks() {}

  /**
   * The file {@code name} (e.g. "stat", "status") of every live thread of {@code pid}, keyed by
   * native thread id; a thread that ended between the listing and the read is left out.
   */
  static Map<Long, String> read(long pid, String name) {
    Map<Long, String> files = new HashMap<>();
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : tasks) {
        try {
          files.put(Long.parseLong(task.getFileName().toString()), Files.readString(task.resolve(name)));
        } catch (IOException ended) {
          // the thread ended between the listing and the read
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading the threads of process " + pid, e);
    }
    return files;
  }
}
