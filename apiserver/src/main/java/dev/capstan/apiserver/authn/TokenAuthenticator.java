package dev.capstan.apiserver.authn;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Resolves bearer tokens to users from a fixed set of entries (a static token file). Tokens are
 * held only as SHA-256 digests; a presented token is hashed and its digest compared in constant
 * time, so neither the lookup nor the comparison leaks how much of a guess was right. Every
 * user gets the {@code system:authenticated} group added.
 */
public final class TokenAuthenticator implements BearerAuthenticator {
  private record Known(byte[] digest, UserInfo user) {}

  private final Map<String, Known> byDigest = new HashMap<>();

  public TokenAuthenticator(List<TokenFile.Entry> entries) {
    for (TokenFile.Entry e : entries) {
      byte[] digest = sha256(e.token());
      Known previous = byDigest.put(hex(digest), new Known(digest, withAuthenticatedGroup(e.user())));
      if (previous != null) {
        throw new IllegalArgumentException("the same token is given twice (users \"" + previous.user().name()
            + "\" and \"" + e.user().name() + "\")");
      }
    }
  }

  /** The user a token belongs to, or empty for an unknown token. */
  @Override
  public Optional<UserInfo> authenticate(String token) {
    if (token == null || token.isEmpty()) {
      return Optional.empty();
    }
    byte[] digest = sha256(token);
    // Looking up by digest reveals nothing usable about the token; the final check is constant-time.
    Known k = byDigest.get(hex(digest));
    if (k == null || !MessageDigest.isEqual(k.digest(), digest)) {
      return Optional.empty();
    }
    return Optional.of(k.user());
  }

  public int size() {
    return byDigest.size();
  }

  private static UserInfo withAuthenticatedGroup(UserInfo u) {
    if (u.inGroup(UserInfo.SYSTEM_AUTHENTICATED)) {
      return u;
    }
    List<String> groups = new java.util.ArrayList<>(u.groups());
    groups.add(UserInfo.SYSTEM_AUTHENTICATED);
    return new UserInfo(u.name(), u.uid(), groups);
  }

  /** One per thread: looking the algorithm up among the providers cost more than hashing a token. */
  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  });

  private static byte[] sha256(String token) {
    return SHA256.get().digest(token.getBytes(StandardCharsets.UTF_8));  // digest() resets it for the next use
  }

  private static String hex(byte[] b) {
    return java.util.HexFormat.of().formatHex(b);
  }
}
