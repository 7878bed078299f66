package dev.capstan.agent.runtime;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a pod sandbox is created from (CRI PodSandboxConfig, reduced to what Capstan uses).
 *
 * @param name the pod's name
 * @param namespace the pod's namespace
 * @param uid the pod's uid
 * @param attempt how many sandboxes were created for this pod before this one
 * @param hostname the hostname its containers see
 * @param logDirectory absolute directory under which container log paths are resolved
 * @param hostNetwork whether the pod asked for the node's network namespace
 * @param labels identifying labels, returned by {@link ContainerRuntime#listPodSandboxes}
 * @param annotations opaque data kept with the sandbox
 * @param portMappings container ports published on the node (hostPort); ignored with host network
 */
public record PodSandboxConfig(
    String name,
    String namespace,
    String uid,
    int attempt,
    String hostname,
    Path logDirectory,
    boolean hostNetwork,
    Map<String, String> labels,
    Map<String, String> annotations,
    List<PortMapping> portMappings) {

  /** A sandbox that publishes no ports on the node. */
  public PodSandboxConfig(String name, String namespace, String uid, int attempt, String hostname, Path logDirectory,
      boolean hostNetwork, Map<String, String> labels, Map<String, String> annotations) {
    this(name, namespace, uid, attempt, hostname, logDirectory, hostNetwork, labels, annotations, List.of());
  }

  public PodSandboxConfig {
    requireNonEmpty(name, "name");
    requireNonEmpty(namespace, "namespace");
    requireNonEmpty(uid, "uid");
    if (attempt < 0) {
      throw new IllegalArgumentException("attempt: must be >= 0, got " + attempt);
    }
    hostname = hostname == null ? "" : hostname;
    Objects.requireNonNull(logDirectory, "logDirectory");
    if (!logDirectory.isAbsolute()) {
      throw new IllegalArgumentException("logDirectory: must be absolute, got " + logDirectory);
    }
    labels = Map.copyOf(labels == null ? Map.of() : labels);
    annotations = Map.copyOf(annotations == null ? Map.of() : annotations);
    portMappings = List.copyOf(portMappings == null ? List.of() : portMappings);
  }

  private static void requireNonEmpty(String value, String field) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException(field + ": required");
    }
  }
}
