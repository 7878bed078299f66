package dev.capstan.apiserver.ratelimit;

/**
 * How many requests per second each user may make on average, and how many at once after a
 * quiet spell ({@code burst}). A rate of 0 turns the limit off.
 */
public record RateLimit(double requestsPerSecond, int burst) {
  public static final RateLimit OFF = new RateLimit(0, 0);

  public RateLimit {
    if (!(requestsPerSecond >= 0) || Double.isInfinite(requestsPerSecond)) {
      throw new IllegalArgumentException("max requests per second must be a number >= 0 (0 = no limit), got "
          + requestsPerSecond);
    }
    if (requestsPerSecond > 0 && burst < 1) {
      throw new IllegalArgumentException("the request burst must be at least 1 when a rate limit is set, got " + burst);
    }
  }

  public boolean enabled() {
    return requestsPerSecond > 0;
  }
}
