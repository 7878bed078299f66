package dev.capstan.apiserver.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.store.local.LocalKeyValueStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster CA: what it issues, what it accepts, how it is kept and shared. */
class CertificateAuthorityTest {
  private static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");
  private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
  private final SecureRandom random = new SecureRandom();

  @TempDir
  Path dir;

  @Test
  void aClientCertificateCarriesTheUserAndGroupsAndOnlyItsCaAcceptsIt() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create("test-ca", clock, random);
    KeyPair keys = CertificateAuthority.newKeyPair(random);
    X509Certificate cert = ca.issueClient(new Subject("alice", List.of("dev", "ops")), keys.getPublic());

    assertThat(Subject.of(cert.getSubjectX500Principal())).isEqualTo(new Subject("alice", List.of("dev", "ops")));
    assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
    assertThat(cert.getBasicConstraints()).isEqualTo(-1);
    assertThat(ca.certificate().getBasicConstraints()).isGreaterThanOrEqualTo(0);
    assertThat(ca.issuedAndValid(cert)).isTrue();
    assertThat(CertificateAuthority.create("test-ca", clock, random).issuedAndValid(cert)).as("another CA").isFalse();
    CertificateAuthority later = CertificateAuthority.fromPem(ca.toPem(),
        Clock.offset(clock, CertificateAuthority.LEAF_VALIDITY.plusDays(1)), random);
    assertThat(later.issuedAndValid(cert)).as("expired").isFalse();
  }

  @Test
  void aServingCertificateNamesHostsAndAddresses() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create("test-ca", clock, random);
    X509Certificate cert = ca.issueServer("localhost", CertificateAuthority.newKeyPair(random).getPublic(),
        List.of("localhost", "127.0.0.1", "::1", "node-1.example"));
    assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
    assertThat(cert.getSubjectAlternativeNames()).extracting(san -> san.get(0) + "=" + san.get(1))
        .containsExactly("2=localhost", "7=127.0.0.1", "7=0:0:0:0:0:0:0:1", "2=node-1.example");
  }

  @Test
  void theCaSurvivesItsPemAndAKeyRequestProvesTheKey() {
    CertificateAuthority ca = CertificateAuthority.create("test-ca", clock, random);
    CertificateAuthority again = CertificateAuthority.fromPem(ca.toPem(), clock, random);
    X509Certificate cert = again.issueClient(new Subject("bob", List.of()), CertificateAuthority.newKeyPair(random).getPublic());
    assertThat(ca.issuedAndValid(cert)).isTrue();

    KeyPair keys = CertificateAuthority.newKeyPair(random);
    Subject node = new Subject("system:node:n1", List.of("system:nodes"));
    String csr = CertificateRequests.create(node, keys);
    CertificateRequests.Verified v = CertificateRequests.verify(csr);
    assertThat(v.subject()).isEqualTo(node);
    assertThat(v.publicKey()).isEqualTo(keys.getPublic());
    assertThat(v.names()).isEmpty();
    assertThat(CertificateRequests.verify(CertificateRequests.create(node, keys, List.of("n1.example", "10.0.0.7", "::1")))
        .names()).containsExactly("n1.example", "10.0.0.7", "0:0:0:0:0:0:0:1");

    byte[] der = Pem.blocks(csr, Pem.CERTIFICATE_REQUEST).get(0);
    der[der.length - 3] ^= 0x01;  // inside the signature
    assertThatThrownBy(() -> CertificateRequests.verify(Pem.encode(Pem.CERTIFICATE_REQUEST, der)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CertificateRequests.verify("garbage")).hasMessageContaining("CERTIFICATE REQUEST");
  }

  @Test
  void theFirstServerCreatesTheClusterCaInTheStoreAndTheOthersLoadIt() {
    try (LocalKeyValueStore store = new LocalKeyValueStore()) {
      CertificateAuthority first = ClusterCa.loadOrCreate(store, clock, random);
      CertificateAuthority second = ClusterCa.loadOrCreate(store, clock, random);
      assertThat(second.certificate()).isEqualTo(first.certificate());
      assertThat(second.toPem()).isEqualTo(first.toPem());
    }
  }

  @Test
  void aServingCertificateIsKeptPrivatelyReusedAndReissuedWhenItNoLongerFits() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create("test-ca", clock, random);
    List<String> names = List.of("localhost", "127.0.0.1", "::1");
    TlsIdentity first = ServingCertificate.ensure(dir, ca, names, clock, random);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("server.key"))))
        .isEqualTo("rw-------");
    assertThat(ServingCertificate.ensure(dir, ca, names, clock, random)).isEqualTo(first);

    TlsIdentity moreNames = ServingCertificate.ensure(dir, ca, List.of("localhost", "127.0.0.1", "::1", "10.0.0.5"),
        clock, random);
    assertThat(moreNames).isNotEqualTo(first);
    Clock nearExpiry = Clock.offset(clock, CertificateAuthority.LEAF_VALIDITY.minus(Duration.ofDays(10)));
    assertThat(ServingCertificate.ensure(dir, ca, names, nearExpiry, random)).isNotEqualTo(moreNames);
    CertificateAuthority other = CertificateAuthority.create("other", clock, random);
    TlsIdentity fromOther = ServingCertificate.ensure(dir, other, names, clock, random);
    assertThat(other.issuedAndValid(fromOther.certificate())).isTrue();
  }
}
