package dev.capstan.agent.runtime;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a container is created from (CRI ContainerConfig, reduced to what Capstan uses). The agent
 * resolves everything pod-specific (env sources, variable references) before calling the runtime.
 *
 * @param name the container's name in the pod spec
 * @param attempt 0 for the first container of this name in the pod, +1 for every restart
 * @param image the image reference; runtimes without images ignore it
 * @param command the entrypoint (overrides the image's)
 * @param args the arguments (override the image's cmd)
 * @param workingDir the working directory; empty means the runtime's default
 * @param env environment variables, in order
 * @param logPath the log file, relative to the sandbox's log directory
 * @param labels identifying labels, returned by {@link ContainerRuntime#listContainers}
 * @param annotations opaque data kept with the container
 * @param pullPolicy when a runtime with images pulls {@code image}
 * @param resources the CPU and memory the runtime grants; runtimes without limits ignore them
 * @param mounts volumes to bind into the container; only runtimes with {@link RuntimeFeature#MOUNTS} accept any
 */
public record ContainerConfig(
    String name,
    int attempt,
    String image,
    List<String> command,
    List<String> args,
    String workingDir,
    List<EnvVar> env,
    Path logPath,
    Map<String, String> labels,
    Map<String, String> annotations,
    ImagePullPolicy pullPolicy,
    ContainerResources resources,
    List<Mount> mounts) {

  /** A container without mounts. */
  public ContainerConfig(String name, int attempt, String image, List<String> command, List<String> args,
      String workingDir, List<EnvVar> env, Path logPath, Map<String, String> labels, Map<String, String> annotations,
      ImagePullPolicy pullPolicy, ContainerResources resources) {
    this(name, attempt, image, command, args, workingDir, env, logPath, labels, annotations, pullPolicy, resources,
        List.of());
  }

  /** A container with the default pull policy for its image and no resource limits. */
  public ContainerConfig(String name, int attempt, String image, List<String> command, List<String> args,
      String workingDir, List<EnvVar> env, Path logPath, Map<String, String> labels, Map<String, String> annotations) {
    this(name, attempt, image, command, args, workingDir, env, logPath, labels, annotations,
        ImagePullPolicy.of("", image), ContainerResources.NONE);
  }

  public ContainerConfig {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("name: required");
    }
    if (attempt < 0) {
      throw new IllegalArgumentException("attempt: must be >= 0, got " + attempt);
    }
    image = image == null ? "" : image;
    command = List.copyOf(command == null ? List.of() : command);
    args = List.copyOf(args == null ? List.of() : args);
    workingDir = workingDir == null ? "" : workingDir;
    env = List.copyOf(env == null ? List.of() : env);
    if (logPath == null || logPath.isAbsolute()) {
      throw new IllegalArgumentException("logPath: required and relative to the sandbox log directory, got " + logPath);
    }
    labels = Map.copyOf(labels == null ? Map.of() : labels);
    annotations = Map.copyOf(annotations == null ? Map.of() : annotations);
    pullPolicy = pullPolicy == null ? ImagePullPolicy.of("", image) : pullPolicy;
    resources = resources == null ? ContainerResources.NONE : resources;
    mounts = List.copyOf(mounts == null ? List.of() : mounts);
  }

  /** One environment variable (CRI KeyValue). */
  public record EnvVar(String name, String value) {
    public EnvVar {
      if (name == null || name.isEmpty()) {
        throw new IllegalArgumentException("env name: required");
      }
      value = value == null ? "" : value;
    }
  }
}
