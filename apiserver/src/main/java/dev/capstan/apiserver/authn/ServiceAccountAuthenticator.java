package dev.capstan.apiserver.authn;

import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.ServiceAccount;
import dev.capstan.api.meta.v1.ObjectMeta;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Authenticates ServiceAccount tokens: a token {@link ServiceAccountTokens} verifies for the API's
 * audience, whose ServiceAccount still exists with the uid the token names (so deleting a
 * ServiceAccount, or deleting and re-creating it, revokes every token issued for it), is the user
 * {@code system:serviceaccount:<ns>:<name>} in the groups {@code system:serviceaccounts},
 * {@code system:serviceaccounts:<ns>} and {@code system:authenticated}. A token bound to a pod
 * (the agent's tokens for pods' projected volumes) is further refused once that pod is gone or
 * is another pod of the same name (another uid), as Kubernetes does.
 *
 * <p>The ServiceAccount is looked up in the apiserver's watch cache, so a call with a valid token
 * reads nothing from the store. Only when the cache has no ServiceAccount of that name and uid
 * (one created a moment ago through another server, whose event is still on its way; or a token
 * already revoked) is the store asked. A deletion revokes the tokens on a server as soon as its
 * cache has the deletion, which is the store watch's delay after the delete (milliseconds). Bound
 * pods are looked up the same way.
 *
 * <p>A refusal by the store is remembered for {@link #REFUSAL_TTL} (as Kubernetes' token cache
 * remembers failures), so a client that keeps calling with the token of a deleted ServiceAccount
 * costs one store read per that while, not one per call. It is remembered by ServiceAccount
 * namespace, name and uid (every token of a deleted ServiceAccount is refused alike; a uid is never
 * reused, so a ServiceAccount made again has another), for at most {@link #REFUSALS_REMEMBERED}
 * ServiceAccounts, the oldest refusal forgotten first.
 */
public final class ServiceAccountAuthenticator implements BearerAuthenticator {
  public static final Duration REFUSAL_TTL = Duration.ofSeconds(5);
  public static final int REFUSALS_REMEMBERED = 1000;

  /** A ServiceAccount as a token names it. */
  private record Identity(String namespace, String name, String uid) {}

  private final ServiceAccountTokens tokens;
  private final BiFunction<String, String, Optional<ServiceAccount>> cached;
  private final BiFunction<String, String, Optional<ServiceAccount>> stored;
  private final BiFunction<String, String, Optional<Pod>> cachedPods;
  private final BiFunction<String, String, Optional<Pod>> storedPods;
  private final Clock clock;
  /** ServiceAccounts the store did not have, and until when that is believed; oldest refusal first. */
  private final Map<Identity, Instant> refused = new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Identity, Instant> eldest) {
      return size() > REFUSALS_REMEMBERED;
    }
  };

  /**
   * @param cached finds a ServiceAccount by namespace and name in the watch cache
   * @param stored finds it in the store
   * @param cachedPods finds a pod by namespace and name in the watch cache
   * @param storedPods finds it in the store
   */
  public ServiceAccountAuthenticator(ServiceAccountTokens tokens,
      BiFunction<String, String, Optional<ServiceAccount>> cached,
      BiFunction<String, String, Optional<ServiceAccount>> stored,
      BiFunction<String, String, Optional<Pod>> cachedPods,
      BiFunction<String, String, Optional<Pod>> storedPods, Clock clock) {
    this.tokens = tokens;
    this.cached = cached;
    this.stored = stored;
    this.cachedPods = cachedPods;
    this.storedPods = storedPods;
    this.clock = clock;
  }

  @Override
  public Optional<UserInfo> authenticate(String token) {
    if (token == null || !ServiceAccountTokens.looksLikeJwt(token)) {
      return Optional.empty();
    }
    return tokens.verify(token, ServiceAccountTokens.API_AUDIENCE)
        .filter(c -> exists(cached, c.namespace(), c.name(), c.uid(), ServiceAccount::getMetadata)
            || isInTheStore(c))
        .filter(c -> c.boundPod().isEmpty() || podExists(c.namespace(), c.boundPod().get()))
        .map(ServiceAccountClaims::user);
  }

  private boolean isInTheStore(ServiceAccountClaims claims) {
    Identity id = new Identity(claims.namespace(), claims.name(), claims.uid());
    Instant now = clock.instant();
    synchronized (refused) {
      Instant until = refused.get(id);
      if (until != null && now.isBefore(until)) {
        return false;
      }
      refused.remove(id);
    }
    if (exists(stored, claims.namespace(), claims.name(), claims.uid(), ServiceAccount::getMetadata)) {
      return true;
    }
    synchronized (refused) {
      refused.put(id, now.plus(REFUSAL_TTL));
    }
    return false;
  }

  private boolean podExists(String namespace, ServiceAccountClaims.BoundPod pod) {
    return exists(cachedPods, namespace, pod.name(), pod.uid(), Pod::getMetadata)
        || exists(storedPods, namespace, pod.name(), pod.uid(), Pod::getMetadata);
  }

  private static <T> boolean exists(BiFunction<String, String, Optional<T>> lookup, String namespace, String name,
      String uid, Function<T, ObjectMeta> metadata) {
    return lookup.apply(namespace, name).map(o -> metadata.apply(o).getUid().equals(uid)).orElse(false);
  }
}
