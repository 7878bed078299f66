package dev.capstan.apiserver.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The peer CA in a directory and the member certificates it issues, kept and renewed. */
class PeerCertificatesTest {
  private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
  private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
  private final SecureRandom random = new SecureRandom();

  @TempDir
  Path dir;

  @Test
  void theCaIsMadeOnceAndKeptPrivately() throws Exception {
    CertificateAuthority made = PeerCertificates.loadOrCreateCa(dir, clock, random);
    CertificateAuthority loaded = PeerCertificates.loadOrCreateCa(dir, clock, random);
    assertThat(loaded.certificate()).isEqualTo(made.certificate());
    assertThat(made.certificate().getSubjectX500Principal().getName()).isEqualTo("CN=capstan-peer-ca");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(PeerCertificates.CA_KEY))))
        .isEqualTo("rw-------");

    Files.delete(dir.resolve(PeerCertificates.CA_KEY));
    assertThatThrownBy(() -> PeerCertificates.loadOrCreateCa(dir, clock, random))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("holds ca.crt without ca.key");
  }

  @Test
  void aMembersCertificateServesAndCallsForItsHosts() throws Exception {
    CertificateAuthority ca = PeerCertificates.loadOrCreateCa(dir, clock, random);
    X509Certificate cert = PeerCertificates.issue(dir, ca, "s1", List.of("10.0.0.1", "s1.example.com"), random)
        .certificate();
    assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=s1");
    assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
    assertThat(cert.getSubjectAlternativeNames().stream().map(san -> (Object) san.get(1)).toList())
        .containsExactly("10.0.0.1", "s1.example.com");
    assertThat(ca.issuedAndValid(cert)).isTrue();
    assertThat(new TlsIdentity(Files.readString(PeerCertificates.certificateFile(dir, "s1")),
        Files.readString(PeerCertificates.keyFile(dir, "s1"))).certificate()).isEqualTo(cert);
  }

  @Test
  void ensureKeepsAFittingCertificateAndRenewsOneThatNoLongerFits() {
    CertificateAuthority ca = PeerCertificates.loadOrCreateCa(dir, clock, random);
    X509Certificate first = PeerCertificates.ensure(dir, ca, "capstan", List.of("127.0.0.1"), clock, random)
        .certificate();
    assertThat(PeerCertificates.ensure(dir, ca, "capstan", List.of("127.0.0.1"), clock, random).certificate())
        .as("kept").isEqualTo(first);
    assertThat(PeerCertificates.ensure(dir, ca, "capstan", List.of("127.0.0.1", "::1"), clock, random).certificate())
        .as("a host added").isNotEqualTo(first);
    X509Certificate second = PeerCertificates.ensure(dir, ca, "capstan", List.of("127.0.0.1"), clock, random)
        .certificate();
    Clock nearTheEnd = Clock.offset(clock, CertificateAuthority.LEAF_VALIDITY.minus(Duration.ofDays(29)));
    assertThat(PeerCertificates.ensure(dir, ca, "capstan", List.of("127.0.0.1"), nearTheEnd, random).certificate())
        .as("under 30 days left").isNotEqualTo(second);
    CertificateAuthority other = CertificateAuthority.create("other", clock, random);
    assertThat(other.issuedAndValid(PeerCertificates.ensure(dir, other, "capstan", List.of("127.0.0.1"), clock,
        random).certificate())).as("another CA").isTrue();
  }
}
