package dev.capstan.apiserver.ratelimit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * A token bucket: it holds up to {@code burst} tokens, refills at {@code rate} tokens per second
 * of the injected clock, and each request takes one. Starts full.
 */
public final class TokenBucket {
  private final double rate;
  private final double burst;
  private final Clock clock;
  private double tokens;
  private Instant last;

  public TokenBucket(RateLimit limit, Clock clock) {
    if (!limit.enabled()) {
      throw new IllegalArgumentException("a token bucket needs a rate > 0");
    }
    this.rate = limit.requestsPerSecond();
    this.burst = limit.burst();
    this.clock = clock;
    this.tokens = burst;
    this.last = clock.instant();
  }

  /** Takes a token if there is one and returns zero; otherwise takes none and says how long until one is there. */
  public synchronized Duration tryTake() {
    Instant now = clock.instant();
    if (now.isAfter(last)) {
      double elapsed = Duration.between(last, now).toNanos() / 1e9;
      tokens = Math.min(burst, tokens + elapsed * rate);
      last = now;
    }
    if (tokens >= 1) {
      tokens -= 1;
      return Duration.ZERO;
    }
    return Duration.ofNanos((long) Math.ceil((1 - tokens) / rate * 1e9));
  }
}
