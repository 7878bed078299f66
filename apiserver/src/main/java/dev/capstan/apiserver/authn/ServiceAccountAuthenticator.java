package dev.capstan.apiserver.authn;

import dev.capstan.api.core.v1.ServiceAccount;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * Authenticates ServiceAccount tokens: a token {@link ServiceAccountTokens} verifies for the API's
 * audience, whose ServiceAccount still exists with the uid the token names (so deleting a
 * ServiceAccount, or deleting and re-creating it, revokes every token issued for it), is the user
 * {@code system:serviceaccount:<ns>:<name>} in the groups {@code system:serviceaccounts},
 * {@code system:serviceaccounts:<ns>} and {@code system:authenticated}.
 *
 * <p>The ServiceAccount is looked up in the apiserver's watch cache, so a call with a valid token
 * reads nothing from the store. Only when the cache has no ServiceAccount of that name and uid
 * (one created a moment ago through another server, whose event is still on its way; or a token
 * already revoked) is the store asked. A deletion revokes the tokens on a server as soon as its
 * cache has the deletion, which is the store watch's delay after the delete (milliseconds).
 */
public final class ServiceAccountAuthenticator implements BearerAuthenticator {
  private final ServiceAccountTokens tokens;
  private final BiFunction<String, String, Optional<ServiceAccount>> cached;
  private final BiFunction<String, String, Optional<ServiceAccount>> stored;

  /**
   * @param cached finds a ServiceAccount by namespace and name in the watch cache
   * @param stored finds it in the store
   */
  public ServiceAccountAuthenticator(ServiceAccountTokens tokens,
      BiFunction<String, String, Optional<ServiceAccount>> cached,
      BiFunction<String, String, Optional<ServiceAccount>> stored) {
    this.tokens = tokens;
    this.cached = cached;
    this.stored = stored;
  }

  @Override
  public Optional<UserInfo> authenticate(String token) {
    if (token == null || !ServiceAccountTokens.looksLikeJwt(token)) {
      return Optional.empty();
    }
    return tokens.verify(token, ServiceAccountTokens.API_AUDIENCE)
        .filter(c -> isTheOne(cached, c) || isTheOne(stored, c))
        .map(ServiceAccountClaims::user);
  }

  private static boolean isTheOne(BiFunction<String, String, Optional<ServiceAccount>> lookup,
      ServiceAccountClaims claims) {
    return lookup.apply(claims.namespace(), claims.name())
        .map(sa -> sa.getMetadata().getUid().equals(claims.uid())).orElse(false);
  }
}
