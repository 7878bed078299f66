package dev.capstan.agent.runtime;

/** Capabilities a runtime may or may not have; the agent and the docs report what holds. */
public enum RuntimeFeature {
  /** Each pod gets its own IP; without it pods share the node's network (host network semantics). */
  POD_IP,
  /** Containers are isolated from the host (namespaces, own root filesystem). */
  ISOLATION,
  /** Container images are pulled and used; without it the image field is ignored. */
  IMAGES,
  /** CPU and memory limits are enforced. */
  RESOURCE_LIMITS,
  /** Volumes are bind-mounted into containers at their mountPath ({@link ContainerConfig#mounts()}). */
  MOUNTS,
  /** Lifecycle events are pushed through {@link ContainerRuntime#subscribe}. */
  CONTAINER_EVENTS,
  /**
   * Containers outlive the agent's process and a new runtime instance finds them again, so a
   * restarted agent adopts its pods instead of starting them afresh.
   */
  SURVIVES_AGENT_RESTART
}
