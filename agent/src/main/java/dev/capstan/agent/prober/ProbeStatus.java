package dev.capstan.agent.prober;

import dev.capstan.api.core.v1.Container;

/** What probes say of a running container, for its status. */
public interface ProbeStatus {

  /** Nothing probed: every running container is started and ready. */
  ProbeStatus NONE = new ProbeStatus() {
    @Override
    public boolean started(String containerId, Container spec) {
      return true;
    }

    @Override
    public boolean ready(String containerId, Container spec) {
      return true;
    }
  };

  /** Whether the running container has started: no startup probe, or it has passed. */
  boolean started(String containerId, Container spec);

  /** Whether the running container is ready: started, and its readiness probe (if any) passes. */
  boolean ready(String containerId, Container spec);
}
