package dev.capstan.agent.runtime;

import java.time.Instant;
import java.util.Map;

/**
 * A pod sandbox as the runtime reports it (CRI PodSandbox plus PodSandboxStatus' network).
 *
 * @param id the runtime's id
 * @param config what it was created from
 * @param state READY while it may hold running containers
 * @param createdAt when it was created
 * @param ip the pod's IP: its own, or the node's where the runtime gives pods no own network
 */
public record PodSandbox(String id, PodSandboxConfig config, SandboxState state, Instant createdAt, String ip) {

  public Map<String, String> labels() {
    return config.labels();
  }

  public boolean ready() {
    return state == SandboxState.READY;
  }
}
