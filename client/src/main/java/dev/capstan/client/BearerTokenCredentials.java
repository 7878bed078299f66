package dev.capstan.client;

import io.grpc.CallCredentials;
import io.grpc.Status;
import java.util.concurrent.Executor;

/**
 * Call credentials that send a bearer token with every call, as the header
 * {@code authorization: Bearer <token>} the apiserver authenticates. The channel has no TLS yet,
 * so the token travels in plaintext: use it on loopback or trusted networks only.
 */
public final class BearerTokenCredentials extends CallCredentials {
  private final String token;

  public BearerTokenCredentials(String token) {
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("a bearer token must not be empty");
    }
    if (token.strip().chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
      throw new IllegalArgumentException("a bearer token must be printable ASCII without spaces");
    }
    this.token = token.strip();
  }

  @Override
  public void applyRequestMetadata(RequestInfo requestInfo, Executor appExecutor, MetadataApplier applier) {
    try {
      applier.apply(BearerToken.headers(token));
    } catch (RuntimeException e) {
      applier.fail(Status.UNAUTHENTICATED.withDescription("cannot attach the bearer token").withCause(e));
    }
  }

  @Override
  public String toString() {
    return "BearerTokenCredentials[***]";
  }
}
