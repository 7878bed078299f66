package dev.capstan.agent.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What the agent reports about its host: CPU count, memory, OS and kernel.
 *
 * @param cpus logical processors available to the agent
 * @param memoryKibibytes MemTotal from /proc/meminfo
 * @param machineId /etc/machine-id, "" when absent
 * @param kernelVersion the running kernel's release
 * @param osImage PRETTY_NAME from /etc/os-release, "" when absent
 * @param operatingSystem "linux"
 * @param architecture Go-style: amd64, arm64, ...
 */
public record HostInfo(int cpus, long memoryKibibytes, String machineId, String kernelVersion, String osImage,
    String operatingSystem, String architecture) {

  /** Reads the running host. */
  public static HostInfo detect() {
    return read(Runtime.getRuntime().availableProcessors(), Path.of("/proc/meminfo"), Path.of("/etc/os-release"),
        Path.of("/etc/machine-id"), System.getProperty("os.version", ""), System.getProperty("os.arch", ""));
  }

  /** Reads a host's files from the given paths; missing files give empty values. */
  public static HostInfo read(int cpus, Path meminfo, Path osRelease, Path machineId, String kernel, String javaArch) {
    return new HostInfo(cpus, memTotalKibibytes(meminfo), firstLine(machineId), kernel, prettyName(osRelease),
        "linux", architecture(javaArch));
  }

  /** Maps Java's os.arch to the names Kubernetes uses (GOARCH). */
  public static String architecture(String javaArch) {
    return switch (javaArch.toLowerCase(Locale.ROOT)) {
      case "amd64", "x86_64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      case "x86", "i386", "i686" -> "386";
      case "ppc64le" -> "ppc64le";
      case "s390x" -> "s390x";
      case "riscv64" -> "riscv64";
      default -> javaArch;
    };
  }

  private static long memTotalKibibytes(Path meminfo) {
    for (String line : lines(meminfo)) {
      if (line.startsWith("MemTotal:")) {
        String[] parts = line.substring("MemTotal:".length()).trim().split("\\s+");
        return Long.parseLong(parts[0]);
      }
    }
    return 0;
  }

  private static String prettyName(Path osRelease) {
    for (String line : lines(osRelease)) {
      if (line.startsWith("PRETTY_NAME=")) {
        String v = line.substring("PRETTY_NAME=".length()).trim();
        return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
      }
    }
    return "";
  }

  private static String firstLine(Path p) {
    List<String> lines = lines(p);
    return lines.isEmpty() ? "" : lines.get(0).trim();
  }

  private static List<String> lines(Path p) {
    try {
      return Files.readAllLines(p);
    } catch (IOException e) {
      return List.of();
    }
  }
}
