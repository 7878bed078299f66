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
 */
public final class ServiceAccountAuthenticator implements BearerAuthenticator {
  private final ServiceAccountTokens tokens;
  private final BiFunction<String, String, Optional<ServiceAccount>> serviceAccounts;

  /** @param serviceAccounts finds a ServiceAccount by namespace and name */
  public ServiceAccountAuthenticator(ServiceAccountTokens tokens,
      BiFunction<String, String, Optional<ServiceAccount>> serviceAccounts) {
    this.tokens = tokens;
    this.serviceAccounts = serviceAccounts;
  }

  @Override
  public Optional<UserInfo> authenticate(String token) {
    if (token == null || !ServiceAccountTokens.looksLikeJwt(token)) {
      return Optional.empty();
    }
    return tokens.verify(token, ServiceAccountTokens.API_AUDIENCE)
        .filter(c -> serviceAccounts.apply(c.namespace(), c.name())
            .map(sa -> sa.getMetadata().getUid().equals(c.uid())).orElse(false))
        .map(ServiceAccountClaims::user);
  }
}
