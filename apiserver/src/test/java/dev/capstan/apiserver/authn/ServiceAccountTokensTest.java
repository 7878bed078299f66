package dev.capstan.apiserver.authn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.apiserver.ratelimit.ManualClock;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServiceAccountTokensTest {
  private final ManualClock clock = new ManualClock();
  private final KeyPair key = ServiceAccountKey.generate();
  private final ServiceAccountTokens tokens = new ServiceAccountTokens(key, clock);

  private String robotToken(Duration lifetime) {
    return tokens.issue("team", "robot", "uid-1", List.of(ServiceAccountTokens.API_AUDIENCE), lifetime);
  }

  @Test
  void aTokenVerifiesToItsServiceAccountUntilItExpires() {
    String token = robotToken(Duration.ofMinutes(10));
    assertThat(ServiceAccountTokens.looksLikeJwt(token)).isTrue();
    ServiceAccountClaims claims = tokens.verify(token, "capstan").orElseThrow();
    assertThat(claims.userName()).isEqualTo("system:serviceaccount:team:robot");
    assertThat(claims.uid()).isEqualTo("uid-1");
    assertThat(claims.user().groups())
        .containsExactly("system:serviceaccounts", "system:serviceaccounts:team", "system:authenticated");
    assertThat(claims.expiry()).isEqualTo(clock.instant().plus(Duration.ofMinutes(10)).truncatedTo(
        java.time.temporal.ChronoUnit.SECONDS));

    clock.advance(Duration.ofMinutes(10).minusSeconds(1));
    assertThat(tokens.verify(token, "capstan")).isPresent();
    clock.advance(Duration.ofSeconds(1));
    assertThat(tokens.verify(token, "capstan")).isEmpty();
  }

  @Test
  void anotherAudienceAnotherKeyOrAChangedClaimIsRefused() {
    String token = robotToken(Duration.ofHours(1));
    assertThat(tokens.verify(token, "vault")).isEmpty();

    String forged = new ServiceAccountTokens(ServiceAccountKey.generate(), clock)
        .issue("team", "robot", "uid-1", List.of("capstan"), Duration.ofHours(1));
    assertThat(tokens.verify(forged, "capstan")).isEmpty();

    String[] parts = token.split("\\.");
    String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
        .replace("robot", "admin");
    String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
        .encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
    assertThat(tokens.verify(tampered, "capstan")).isEmpty();
    assertThat(tokens.verify("not.a.token", "capstan")).isEmpty();
    assertThat(tokens.verify(parts[0] + "." + parts[1] + ".", "capstan")).isEmpty();
  }

  @Test
  void aTokenVerifiedBeforeIsStillCheckedForAudienceAndTimeOnEveryCall() {
    String token = robotToken(Duration.ofMinutes(5));
    assertThat(tokens.verify(token, "capstan")).isPresent();
    // Its signature is remembered now; the rest is not.
    assertThat(tokens.verify(token, "vault")).isEmpty();
    assertThat(tokens.verify(token, "capstan")).isPresent();
    clock.advance(Duration.ofMinutes(5));
    assertThat(tokens.verify(token, "capstan")).isEmpty();
  }

  @Test
  void theKeyPairSurvivesItsPemForm() {
    KeyPair back = ServiceAccountKey.fromPem(ServiceAccountKey.toPem(key));
    String token = new ServiceAccountTokens(back, clock).issue("team", "robot", "uid-1", List.of("capstan"),
        Duration.ofHours(1));
    assertThat(tokens.verify(token, "capstan")).isPresent();
    assertThat(ServiceAccountKey.toPem(back)).isEqualTo(ServiceAccountKey.toPem(key));
  }

  /** The value a cluster made by the previous version keeps under the store key, byte for byte. */
  private static final String STORED_BY_PREVIOUS_VERSION = """
      -----BEGIN PRIVATE KEY-----
      MEECAQAwEwYHKoZIzj0CAQYIKoZIzj0DAQcEJzAlAgEBBCAZSYJ81xa7+qJi1fip
      8xqKXSJ8NBuF3oY7ZKxMtEy19g==
      -----END PRIVATE KEY-----
      -----BEGIN PUBLIC KEY-----
      MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEuJeQ1oWK2K+ULV4wab6e2ET3gbxP
      +/GBqvqqo7RgSMYEglwXSFHor2nApKHUdF1zuocrYCtXwVGb2l3Cxzoj+g==
      -----END PUBLIC KEY-----
      """;

  @Test
  void aKeyPairStoredByThePreviousVersionLoadsAndIsWrittenTheSameWay() {
    KeyPair stored = ServiceAccountKey.fromPem(STORED_BY_PREVIOUS_VERSION);
    ServiceAccountTokens old = new ServiceAccountTokens(stored, clock);
    String token = old.issue("team", "robot", "uid-1", List.of("capstan"), Duration.ofHours(1));
    assertThat(old.verify(token, "capstan")).isPresent();
    assertThat(ServiceAccountKey.toPem(stored)).isEqualTo(STORED_BY_PREVIOUS_VERSION);
  }

  @Test
  void aStoredValueWithoutBothKeysIsAnErrorNamingTheStoreKey() {
    String privateOnly = STORED_BY_PREVIOUS_VERSION.substring(0, STORED_BY_PREVIOUS_VERSION.indexOf("-----BEGIN PUBLIC"));
    assertThatThrownBy(() -> ServiceAccountKey.fromPem(privateOnly))
        .hasMessageContaining(ServiceAccountKey.STORE_KEY).hasMessageContaining("PUBLIC KEY");
  }
}
