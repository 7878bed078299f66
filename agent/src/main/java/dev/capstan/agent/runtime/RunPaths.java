package dev.capstan.agent.runtime;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Paths the agent's runtimes need short (Unix sockets, Podman's runroot) even when its data dir is
 * deep: the preferred path when it fits, else one under /run/capstan named after a hash of the
 * directory it belongs to, the same for the same directory every time.
 */
public final class RunPaths {
  private static final Path RUN = Path.of("/run/capstan");

  private RunPaths() {}

  /**
   * {@code preferred} when its absolute form is at most {@code maxBytes} long, else
   * {@code /run/capstan/<prefix><12 hex digits of SHA-256 of ownerDir><suffix>}.
   */
  public static Path shortened(Path preferred, int maxBytes, Path ownerDir, String prefix, String suffix) {
    Path p = preferred.toAbsolutePath();
    if (p.toString().getBytes(StandardCharsets.UTF_8).length <= maxBytes) {
      return p;
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(
          ownerDir.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8));
      return RUN.resolve(prefix + HexFormat.of().formatHex(digest, 0, 6) + suffix);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}
