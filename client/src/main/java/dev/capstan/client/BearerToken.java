package dev.capstan.client;

import io.grpc.Metadata;
import java.util.Optional;

/**
 * The {@code authorization: Bearer <token>} header every Capstan endpoint reads and every client
 * writes: one definition of its key and format for both sides.
 */
public final class BearerToken {
  public static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final String PREFIX = "bearer ";

  private BearerToken() {}

  /** The header value for {@code token}. */
  public static String header(String token) {
    return "Bearer " + token.strip();
  }

  /** The token in a header value, if it is {@code Bearer <token>} (the scheme in any case). */
  public static Optional<String> parse(String header) {
    if (header == null || header.length() <= PREFIX.length() || !header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      return Optional.empty();
    }
    String token = header.substring(PREFIX.length()).strip();
    return token.isEmpty() ? Optional.empty() : Optional.of(token);
  }

  /** Headers carrying {@code token}, for a call made on someone's behalf. */
  public static Metadata headers(String token) {
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, header(token));
    return headers;
  }
}
