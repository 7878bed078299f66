package dev.capstan.apiserver.authn;

import java.util.Optional;

/** Resolves a bearer token to its user; empty when this authenticator does not know the token. */
@FunctionalInterface
public interface BearerAuthenticator {
  Optional<UserInfo> authenticate(String token);

  /** This authenticator, then {@code next} for the tokens this one does not know. */
  default BearerAuthenticator orElse(BearerAuthenticator next) {
    return token -> authenticate(token).or(() -> next.authenticate(token));
  }
}
