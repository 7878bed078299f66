package dev.capstan.agent.runtime;

import java.time.Instant;
import java.util.Map;

/**
 * A container lifecycle change (CRI ContainerEventResponse).
 *
 * @param containerId the container
 * @param sandboxId its sandbox
 * @param type what happened
 * @param labels the container's labels, so that a listener can map it to its pod
 * @param at when it happened
 */
public record ContainerEvent(String containerId, String sandboxId, Type type, Map<String, String> labels, Instant at) {

  /** CRI ContainerEventType. */
  public enum Type {
    CREATED,
    STARTED,
    STOPPED,
    DELETED
  }
}
