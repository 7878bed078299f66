package dev.capstan.agent.runtime.process;

import dev.capstan.agent.runtime.ContainerRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds a command's executable the way a shell does: names with a slash as paths, others on PATH. */
final class ExecutableLookup {
  private ExecutableLookup() {}

  /**
   * @param command command[0] of a container
   * @param searchPath the PATH the container will see (colon-separated)
   * @param workingDir where relative paths are resolved
   * @throws ContainerRuntimeException naming the command when nothing executable is found
   */
  static Path resolve(String command, String searchPath, Path workingDir) {
    if (command.contains("/")) {
      Path p = workingDir.resolve(command);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p;
      }
      throw new ContainerRuntimeException("exec: \"" + command + "\": no such executable file");
    }
    for (String dir : searchPath.split(":")) {
      if (dir.isEmpty()) {
        continue;
      }
      Path p = Path.of(dir, command);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p;
      }
    }
    throw new ContainerRuntimeException("exec: \"" + command + "\": executable file not found in $PATH");
  }
}
