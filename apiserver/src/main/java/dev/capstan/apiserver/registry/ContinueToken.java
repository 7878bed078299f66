package dev.capstan.apiserver.registry;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The opaque token of a paginated List: the revision the first page was read at and the key
 * after which the next page starts. Every page is read at that revision, so pages are one
 * consistent snapshot even while writes go on.
 */
public record ContinueToken(long revision, ByteString startKey) {

  public String encode() {
    String raw = revision + ":" + Base64.getUrlEncoder().withoutPadding().encodeToString(startKey.toByteArray());
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  public static ContinueToken decode(String token) {
    try {
      String raw = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      int colon = raw.indexOf(':');
      long rev = Long.parseLong(raw.substring(0, colon));
      ByteString key = ByteString.copyFrom(Base64.getUrlDecoder().decode(raw.substring(colon + 1)));
      if (rev <= 0) {
        throw new IllegalArgumentException("bad revision");
      }
      return new ContinueToken(rev, key);
    } catch (RuntimeException e) {
      throw ApiErrors.badRequest("continue: invalid continue token \"" + token + "\"");
    }
  }
}
