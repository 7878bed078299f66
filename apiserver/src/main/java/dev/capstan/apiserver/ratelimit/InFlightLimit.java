package dev.capstan.apiserver.ratelimit;

/**
 * How many API requests one apiserver serves at once, as Kubernetes' {@code --max-requests-inflight}
 * and {@code --max-mutating-requests-inflight}: read-only requests (get, list) and mutating ones
 * (create, update, patch, delete, ...) each have their own ceiling; 0 lifts a ceiling. Watches,
 * log streams and exec sessions are long-running and do not count.
 */
public record InFlightLimit(int readOnly, int mutating) {
  /** Kubernetes' defaults. */
  public static final InFlightLimit DEFAULT = new InFlightLimit(400, 200);
  public static final InFlightLimit OFF = new InFlightLimit(0, 0);

  public InFlightLimit {
    if (readOnly < 0) {
      throw new IllegalArgumentException("the read-only in-flight limit must be >= 0 (0 = none), got " + readOnly);
    }
    if (mutating < 0) {
      throw new IllegalArgumentException("the mutating in-flight limit must be >= 0 (0 = none), got " + mutating);
    }
  }

  public boolean enabled() {
    return readOnly > 0 || mutating > 0;
  }
}
