package dev.capstan.apiserver.authn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issues and verifies ServiceAccount tokens: JSON Web Tokens (RFC 7519) signed with ES256 by the
 * cluster's {@link ServiceAccountKey}, with the claims Kubernetes' bound tokens carry: {@code iss}
 * {@value #ISSUER}, {@code sub} {@code system:serviceaccount:<ns>:<name>}, {@code aud},
 * {@code iat}, {@code nbf}, {@code exp}, {@code jti} and {@code kubernetes.io} with the
 * ServiceAccount's namespace, name and uid, and for a token bound to a pod, the pod's name and uid.
 *
 * <p>{@link #verify} accepts a token only if its header names ES256 and the cluster key's id, the
 * signature is the cluster key's, the issuer is ours, one audience is {@code audience}, and the
 * clock (injected) is between {@code nbf} (with {@link #CLOCK_SKEW} of leeway, since another
 * server of the cluster may have signed it) and {@code exp}. Whether the ServiceAccount still exists
 * is {@link ServiceAccountAuthenticator}'s check.
 */
public final class ServiceAccountTokens {
  public static final String ISSUER = "capstan";
  /** The audience of the Capstan API, and the default audience of a token. */
  public static final String API_AUDIENCE = "capstan";
  public static final Duration CLOCK_SKEW = Duration.ofSeconds(60);
  private static final Logger log = LoggerFactory.getLogger(ServiceAccountTokens.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ALGORITHM = "SHA256withECDSAinP1363Format";  // JWS wants r||s, not DER
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();

  /** Verified tokens remembered, most recently used first, beyond which the oldest are verified again. */
  private static final int VERIFIED_TOKENS = 10_000;

  private final KeyPair keys;
  private final String keyId;
  private final Clock clock;
  /**
   * Tokens whose signature was verified, by digest: the ES256 check costs about 1.3 ms here and a
   * client sends the same token with every call. Time and audience are checked on every call,
   * and the ServiceAccount's existence by {@link ServiceAccountAuthenticator}, so revocation is
   * unaffected.
   */
  private final Map<String, Signed> verified = java.util.Collections.synchronizedMap(
      new java.util.LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Signed> eldest) {
          return size() > VERIFIED_TOKENS;
        }
      });

  public ServiceAccountTokens(KeyPair keys, Clock clock) {
    this.keys = keys;
    this.clock = clock;
    this.keyId = keyId(keys);
  }

  /** A token for the ServiceAccount, valid from now for {@code lifetime}, bound to nothing. */
  public String issue(String namespace, String name, String uid, List<String> audiences, Duration lifetime) {
    return issue(namespace, name, uid, audiences, lifetime, Optional.empty());
  }

  /** A token for the ServiceAccount, valid from now for {@code lifetime}, bound to {@code pod} if present. */
  public String issue(String namespace, String name, String uid, List<String> audiences, Duration lifetime,
      Optional<ServiceAccountClaims.BoundPod> pod) {
    Instant now = clock.instant();
    ObjectNode header = JSON.createObjectNode().put("alg", "ES256").put("kid", keyId).put("typ", "JWT");
    ObjectNode claims = JSON.createObjectNode();
    claims.put("iss", ISSUER).put("sub", ServiceAccountClaims.USER_PREFIX + namespace + ":" + name);
    audiences.forEach(claims.putArray("aud")::add);
    claims.put("iat", now.getEpochSecond()).put("nbf", now.getEpochSecond())
        .put("exp", now.plus(lifetime).getEpochSecond()).put("jti", UUID.randomUUID().toString());
    ObjectNode k8s = claims.putObject("kubernetes.io").put("namespace", namespace);
    k8s.putObject("serviceaccount").put("name", name).put("uid", uid);
    pod.ifPresent(p -> k8s.putObject("pod").put("name", p.name()).put("uid", p.uid()));
    String signingInput = part(header) + "." + part(claims);
    try {
      Signature s = Signature.getInstance(ALGORITHM);
      s.initSign(keys.getPrivate());
      s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      return signingInput + "." + B64.encodeToString(s.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign a ServiceAccount token", e);
    }
  }

  /** The claims of a valid token for {@code audience}; empty for anything else (and why, at debug level). */
  public Optional<ServiceAccountClaims> verify(String token, String audience) {
    try {
      return Optional.of(check(token, audience));
    } catch (IllegalArgumentException | GeneralSecurityException | java.io.IOException e) {
      log.debug("ServiceAccount token refused: {}", e.getMessage());
      return Optional.empty();
    }
  }

  /** Whether a bearer token has the shape of a JWT at all (three base64url parts), to skip others cheaply. */
  public static boolean looksLikeJwt(String token) {
    return token.chars().filter(c -> c == '.').count() == 2 && token.startsWith("eyJ");
  }

  private ServiceAccountClaims check(String token, String audience)
      throws GeneralSecurityException, java.io.IOException {
    String digest = digest(token);
    Signed signed = verified.get(digest);
    if (signed == null) {
      signed = signed(token);
      verified.put(digest, signed);
    }
    Instant now = clock.instant();
    ServiceAccountClaims claims = signed.claims();
    if (!now.isBefore(claims.expiry())) {
      throw new IllegalArgumentException("expired at " + claims.expiry());
    }
    if (now.plus(CLOCK_SKEW).isBefore(signed.notBefore())) {
      throw new IllegalArgumentException("not valid before " + signed.notBefore().getEpochSecond());
    }
    if (!claims.audiences().contains(audience)) {
      throw new IllegalArgumentException("audiences " + claims.audiences() + " do not include " + audience);
    }
    return claims;
  }

  /** What a token's signature vouches for; it never changes, so it is remembered (see {@link #verified}). */
  private record Signed(ServiceAccountClaims claims, Instant notBefore) {}

  /** Checks the header, the signature, the issuer and that the claims agree; not the time or audience. */
  private Signed signed(String token) throws GeneralSecurityException, java.io.IOException {
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      throw new IllegalArgumentException("not a JWT");
    }
    JsonNode header = JSON.readTree(B64D.decode(parts[0]));
    if (!"ES256".equals(header.path("alg").asText()) || !keyId.equals(header.path("kid").asText())) {
      throw new IllegalArgumentException("not signed with ES256 by this cluster's key");
    }
    Signature s = Signature.getInstance(ALGORITHM);
    s.initVerify(keys.getPublic());
    s.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
    if (!s.verify(B64D.decode(parts[2]))) {
      throw new IllegalArgumentException("bad signature");
    }
    JsonNode claims = JSON.readTree(B64D.decode(parts[1]));
    if (!ISSUER.equals(claims.path("iss").asText())) {
      throw new IllegalArgumentException("issuer is not " + ISSUER);
    }
    Instant expiry = Instant.ofEpochSecond(claims.path("exp").asLong(0));
    Instant notBefore = Instant.ofEpochSecond(claims.path("nbf").asLong(0));
    List<String> audiences = new ArrayList<>();
    claims.path("aud").forEach(a -> audiences.add(a.asText()));
    if (claims.path("aud").isTextual()) {
      audiences.add(claims.path("aud").asText());
    }
    JsonNode k8s = claims.path("kubernetes.io");
    String namespace = k8s.path("namespace").asText();
    String name = k8s.path("serviceaccount").path("name").asText();
    String uid = k8s.path("serviceaccount").path("uid").asText();
    if (namespace.isEmpty() || name.isEmpty() || uid.isEmpty()
        || !claims.path("sub").asText().equals(ServiceAccountClaims.USER_PREFIX + namespace + ":" + name)) {
      throw new IllegalArgumentException("subject and ServiceAccount claims do not agree");
    }
    JsonNode pod = k8s.path("pod");
    Optional<ServiceAccountClaims.BoundPod> boundPod = pod.isObject()
        ? Optional.of(new ServiceAccountClaims.BoundPod(pod.path("name").asText(), pod.path("uid").asText()))
        : Optional.empty();
    if (boundPod.isPresent() && (boundPod.get().name().isEmpty() || boundPod.get().uid().isEmpty())) {
      throw new IllegalArgumentException("a bound pod needs a name and a uid");
    }
    return new Signed(new ServiceAccountClaims(namespace, name, uid, audiences, expiry, boundPod), notBefore);
  }

  /** The token's SHA-256, so the cache of verified tokens holds no usable credential. */
  private static String digest(String token) {
    try {
      return Base64.getEncoder().encodeToString(
          java.security.MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String part(JsonNode node) {
    try {
      return B64.encodeToString(JSON.writeValueAsBytes(node));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A short id of the public key, so a token signed by another cluster's key is told apart at once. */
  private static String keyId(KeyPair keys) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(keys.getPublic().getEncoded());
      return B64.encodeToString(java.util.Arrays.copyOf(d, 16));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
