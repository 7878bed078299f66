package dev.capstan.apiserver.authn;

import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.ServiceAccount;
import dev.capstan.api.meta.v1.ObjectMeta;
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
 */
public final class ServiceAccountAuthenticator implements BearerAuthenticator {
  private final ServiceAccountTokens tokens;
  private final BiFunction<String, String, Optional<ServiceAccount>> cached;
  private final BiFunction<String, String, Optional<ServiceAccount>> stored;
  private final BiFunction<String, String, Optional<Pod>> cachedPods;
  private final BiFunction<String, String, Optional<Pod>> storedPods;

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
      BiFunction<String, String, Optional<Pod>> storedPods) {
    this.tokens = tokens;
    this.cached = cached;
    this.stored = stored;
    this.cachedPods = cachedPods;
    this.storedPods = storedPods;
  }

  @Override
  public Optional<UserInfo> authenticate(String token) {
    if (token == null || !ServiceAccountTokens.looksLikeJwt(token)) {
      return Optional.empty();
    }
    return tokens.verify(token, ServiceAccountTokens.API_AUDIENCE)
        .filter(c -> exists(cached, c.namespace(), c.name(), c.uid(), ServiceAccount::getMetadata)
            || exists(stored, c.namespace(), c.name(), c.uid(), ServiceAccount::getMetadata))
        .filter(c -> c.boundPod().isEmpty() || podExists(c.namespace(), c.boundPod().get()))
        .map(ServiceAccountClaims::user);
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
