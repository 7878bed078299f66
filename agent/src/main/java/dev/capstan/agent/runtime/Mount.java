package dev.capstan.agent.runtime;

import java.nio.file.Path;

/**
 * A host file or directory bind-mounted into a container (CRI Mount).
 *
 * @param hostPath the absolute path on the node
 * @param containerPath the absolute path inside the container
 * @param readOnly whether the container sees it read-only
 */
public record Mount(Path hostPath, String containerPath, boolean readOnly) {
  public Mount {
    if (hostPath == null || !hostPath.isAbsolute()) {
      throw new IllegalArgumentException("hostPath: must be an absolute path, got " + hostPath);
    }
    if (containerPath == null || !containerPath.startsWith("/")) {
      throw new IllegalArgumentException("containerPath: must be an absolute path, got \"" + containerPath + "\"");
    }
  }
}
