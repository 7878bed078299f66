package dev.capstan.agent.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Whether the node runs short of memory or disk, by the kubelet's default hard eviction
 * thresholds: MemoryPressure when less than 100 MiB is available ({@code MemAvailable} of
 * {@code /proc/meminfo}), DiskPressure when less than 10% of the filesystem holding the agent's
 * data is free. The agent reports them as Node conditions; it does not evict pods yet.
 */
public final class NodePressure {
  static final long MIN_MEMORY_AVAILABLE_BYTES = 100L << 20;
  static final double MIN_DISK_AVAILABLE_FRACTION = 0.10;

  private final Path meminfo;
  private final Path dataDir;

  /**
   * @param meminfo {@code /proc/meminfo}, or a file of its format
   * @param dataDir any path on the filesystem whose free space counts (the agent's data dir)
   */
  public NodePressure(Path meminfo, Path dataDir) {
    this.meminfo = meminfo;
    // The dir may not exist yet; its nearest existing ancestor is on the filesystem it will be on.
    Path existing = dataDir.toAbsolutePath();
    while (existing.getParent() != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    this.dataDir = existing;
  }

  /** What was measured, with a message for each condition. */
  public record Reading(boolean memoryPressure, String memoryMessage, boolean diskPressure, String diskMessage) {}

  public Reading read() {
    long available = memoryAvailableBytes();
    boolean memory = available < MIN_MEMORY_AVAILABLE_BYTES;
    FileStore store;
    long usable;
    long total;
    try {
      store = Files.getFileStore(dataDir);
      usable = store.getUsableSpace();
      total = store.getTotalSpace();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot measure free disk space at " + dataDir + ": " + e.getMessage(), e);
    }
    boolean disk = total > 0 && usable < total * MIN_DISK_AVAILABLE_FRACTION;
    return new Reading(memory,
        (memory ? "agent has " : "agent has sufficient memory available: ") + mib(available) + " MiB available"
            + (memory ? ", under the 100 MiB threshold" : ""),
        disk,
        (disk ? "agent has disk pressure: " : "agent has no disk pressure: ") + mib(usable) + " of " + mib(total)
            + " MiB free where it keeps its data" + (disk ? ", under the 10% threshold" : ""));
  }

  private long memoryAvailableBytes() {
    try {
      for (String line : Files.readAllLines(meminfo)) {
        if (line.startsWith("MemAvailable:")) {
          List<String> f = List.of(line.trim().split("\\s+"));
          return Long.parseLong(f.get(1)) * 1024;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + meminfo + ": " + e.getMessage(), e);
    }
    throw new IllegalStateException(meminfo + " has no MemAvailable line");
  }

  private static long mib(long bytes) {
    return bytes >> 20;
  }
}
