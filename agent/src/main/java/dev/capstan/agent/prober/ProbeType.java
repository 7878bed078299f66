package dev.capstan.agent.prober;

import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.Probe;
import java.util.Optional;

/** The three probes a container may declare, and what each failing means. */
public enum ProbeType {
  /** Failing restarts the container. */
  LIVENESS("Liveness"),
  /** Failing takes the container (and pod) out of Ready, nothing more. */
  READINESS("Readiness"),
  /** Until it succeeds the other two do not run; failing restarts the container. */
  STARTUP("Startup");

  private final String displayName;

  ProbeType(String displayName) {
    this.displayName = displayName;
  }

  public String displayName() {
    return displayName;
  }

  /** The container's probe of this type, if it declares one. */
  public Optional<Probe> of(Container container) {
    return switch (this) {
      case LIVENESS -> container.hasLivenessProbe() ? Optional.of(container.getLivenessProbe()) : Optional.empty();
      case READINESS -> container.hasReadinessProbe() ? Optional.of(container.getReadinessProbe()) : Optional.empty();
      case STARTUP -> container.hasStartupProbe() ? Optional.of(container.getStartupProbe()) : Optional.empty();
    };
  }
}
