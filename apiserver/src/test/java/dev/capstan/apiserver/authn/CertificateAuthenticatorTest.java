package dev.capstan.apiserver.authn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.apiserver.pki.CertificateAuthority;
import dev.capstan.apiserver.pki.Subject;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class CertificateAuthenticatorTest {
  private final Clock clock = Clock.fixed(Instant.parse("2026-11-30T12:00:00Z"), ZoneOffset.UTC);
  private final SecureRandom random = new SecureRandom();
  private final CertificateAuthority ca = CertificateAuthority.create("test-ca", clock, random);
  private final CertificateAuthenticator authenticator = new CertificateAuthenticator(ca);

  private X509Certificate client(CertificateAuthority issuer, String cn, List<String> orgs) {
    return issuer.issueClient(new Subject(cn, orgs), CertificateAuthority.newKeyPair(random).getPublic());
  }

  @Test
  void theCommonNameIsTheUserAndEachOrganizationAGroup() {
    assertThat(authenticator.authenticate(List.of(client(ca, "system:node:n1", List.of("system:nodes")))))
        .contains(new UserInfo("system:node:n1", "", List.of("system:nodes", UserInfo.SYSTEM_AUTHENTICATED)));
    assertThat(authenticator.authenticate(List.of(client(ca, "alice", List.of())))).get()
        .extracting(UserInfo::groups).isEqualTo(List.of(UserInfo.SYSTEM_AUTHENTICATED));
  }

  @Test
  void anotherCasServingOrExpiredCertificateAuthenticatesNobody() {
    CertificateAuthority other = CertificateAuthority.create("test-ca", clock, random);
    assertThat(authenticator.authenticate(List.of(client(other, "admin", List.of("system:masters"))))).isEmpty();
    X509Certificate serving = ca.issueServer("localhost", CertificateAuthority.newKeyPair(random).getPublic(),
        List.of("localhost"));
    assertThat(authenticator.authenticate(List.of(serving))).as("not for clients").isEmpty();
    X509Certificate cert = client(ca, "admin", List.of("system:masters"));
    CertificateAuthority caLater = CertificateAuthority.fromPem(ca.toPem(),
        Clock.offset(clock, CertificateAuthority.LEAF_VALIDITY.plusDays(1)), random);
    assertThat(new CertificateAuthenticator(caLater).authenticate(List.of(cert))).as("expired").isEmpty();
    assertThat(authenticator.authenticate(List.of())).isEmpty();
  }
}
