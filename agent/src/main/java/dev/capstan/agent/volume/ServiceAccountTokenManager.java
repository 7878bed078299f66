package dev.capstan.agent.volume;

import dev.capstan.api.core.v1.Pod;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tokens of the pods' projected {@code serviceAccountToken} sources (kubelet's token manager):
 * one per pod, audience and lifetime, requested from the API bound to the pod, and kept until it
 * needs refreshing: when 80% of its lifetime has passed or it is older than
 * {@value #MAX_AGE_HOURS} hours, whichever comes first (Kubernetes' rule, so a long-lived token is
 * still replaced daily). A refresh that fails while the kept token is still valid returns the kept
 * one, so a short API outage does not take a pod's token away. Time comes from the injected clock.
 * Thread-safe.
 */
public final class ServiceAccountTokenManager {
  static final int MAX_AGE_HOURS = 24;
  private static final Duration MAX_AGE = Duration.ofHours(MAX_AGE_HOURS);

  /** Asks the API for a token (ServiceAccounts.CreateToken with spec.boundObjectRef to the pod). */
  @FunctionalInterface
  public interface TokenSource {
    Token request(Pod pod, String audience, long expirationSeconds);
  }

  /** A token and when it expires. */
  public record Token(String value, Instant expiry) {
    public Token {
      Objects.requireNonNull(value, "value");
      Objects.requireNonNull(expiry, "expiry");
    }
  }

  private record Key(String podUid, String audience, long expirationSeconds) {}

  private record Held(Token token, Instant issued) {
    Instant refreshAt() {
      Duration lifetime = Duration.between(issued, token.expiry());
      Instant at80 = issued.plus(lifetime.multipliedBy(8).dividedBy(10));
      Instant atMaxAge = issued.plus(MAX_AGE);
      return at80.isBefore(atMaxAge) ? at80 : atMaxAge;
    }
  }

  private final TokenSource source;
  private final Clock clock;
  private final Map<Key, Held> tokens = new ConcurrentHashMap<>();

  public ServiceAccountTokenManager(TokenSource source, Clock clock) {
    this.source = source;
    this.clock = clock;
  }

  /**
   * The pod's token for the audience ("" for the API's) and lifetime: the kept one unless it needs
   * refreshing, else a new one.
   *
   * @throws RuntimeException the API's refusal, when there is no kept token still valid
   */
  public Token token(Pod pod, String audience, long expirationSeconds) {
    Key key = new Key(pod.getMetadata().getUid(), audience, expirationSeconds);
    Instant now = clock.instant();
    Held held = tokens.get(key);
    if (held != null && now.isBefore(held.refreshAt())) {
      return held.token();
    }
    try {
      Token fresh = source.request(pod, audience, expirationSeconds);
      tokens.put(key, new Held(fresh, now));
      return fresh;
    } catch (RuntimeException e) {
      if (held != null && now.isBefore(held.token().expiry())) {
        return held.token();
      }
      throw e;
    }
  }

  /** Forgets the tokens of a pod that is gone. */
  public void forget(String podUid) {
    tokens.keySet().removeIf(k -> k.podUid().equals(podUid));
  }
}
