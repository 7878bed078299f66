package dev.capstan.agent.pod;

/** A pod's spec.restartPolicy: which exited containers the agent starts again. */
public enum RestartPolicy {
  ALWAYS("Always"),
  ON_FAILURE("OnFailure"),
  NEVER("Never");

  private final String apiName;

  RestartPolicy(String apiName) {
    this.apiName = apiName;
  }

  public String apiName() {
    return apiName;
  }

  /** Parses spec.restartPolicy; empty means Always, as in Kubernetes. */
  public static RestartPolicy of(String value) {
    if (value == null || value.isEmpty()) {
      return ALWAYS;
    }
    for (RestartPolicy p : values()) {
      if (p.apiName.equals(value)) {
        return p;
      }
    }
    throw new IllegalArgumentException("spec.restartPolicy: must be Always, OnFailure or Never, got \"" + value + "\"");
  }

  /** Whether a container that exited with this code is restarted. */
  public boolean restarts(int exitCode) {
    return switch (this) {
      case ALWAYS -> true;
      case ON_FAILURE -> exitCode != 0;
      case NEVER -> false;
    };
  }
}
