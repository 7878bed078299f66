package dev.capstan.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.apiserver.pki.CertificateAuthority;
import dev.capstan.apiserver.pki.Pem;
import dev.capstan.apiserver.pki.Subject;
import dev.capstan.cli.CliRun;
import dev.capstan.store.ratis.PeerTls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code --peer-*} flags and {@code capstan certificate peer}: files made by the command pass;
 * each way a file can be wrong is reported naming its flag, before a peer starts.
 */
class PeerTlsOptionsTest {
  private static final Clock CLOCK = Clock.systemUTC();
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir
  Path dir;

  private Path pki;

  @BeforeEach
  void issue() {
    pki = dir.resolve("pki");
    CliRun run = CliRun.of("certificate", "peer", "s1", "--host", "127.0.0.1,::1", "--host", "S1.example.com",
        "--dir", pki.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("made the peer CA").contains("--peer-cert-file " + pki.resolve("s1.crt")
        .toAbsolutePath());
  }

  private PeerTlsOptions options(Path cert, Path key, Path ca) {
    PeerTlsOptions o = new PeerTlsOptions();
    o.certFile = cert;
    o.keyFile = key;
    o.trustedCaFile = ca;
    return o;
  }

  private PeerTlsOptions issued() {
    return options(pki.resolve("s1.crt"), pki.resolve("s1.key"), pki.resolve("ca.crt"));
  }

  @Test
  void theCommandsFilesGiveMutualTlsForEveryHostTheCertificateNames() {
    for (String host : List.of("127.0.0.1", "0:0:0:0:0:0:0:1", "[::1]", "s1.EXAMPLE.com")) {
      Optional<PeerTls> tls = issued().tls(host, CLOCK);
      assertThat(tls).isPresent();
      assertThat(tls.get().certificate().getSubjectX500Principal().getName()).isEqualTo("CN=s1");
      assertThat(tls.get().trustedCas()).singleElement()
          .isEqualTo(Pem.certificateOf(read(pki.resolve("ca.crt"))));
    }
    assertThat(new PeerTlsOptions().tls("127.0.0.1", CLOCK)).isEmpty();
  }

  @Test
  void aSecondMemberIsIssuedByTheSameCa() {
    CliRun run = CliRun.of("certificate", "peer", "s2", "--host", "10.0.0.2", "--dir", pki.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).doesNotContain("made the peer CA");
    assertThat(options(pki.resolve("s2.crt"), pki.resolve("s2.key"), pki.resolve("ca.crt")).tls("10.0.0.2", CLOCK))
        .isPresent();
  }

  @Test
  void eachWrongFileIsReportedByItsFlag() throws IOException {
    assertThatThrownBy(() -> options(pki.resolve("s1.crt"), null, null).tls("127.0.0.1", CLOCK))
        .isInstanceOf(CliException.class)
        .hasMessageStartingWith("--peer-key-file and --peer-trusted-ca-file: required with the other peer TLS flags");
    assertThatThrownBy(() -> options(dir.resolve("none.crt"), pki.resolve("s1.key"), pki.resolve("ca.crt"))
        .tls("127.0.0.1", CLOCK)).isInstanceOf(CliException.class)
        .hasMessageStartingWith("--peer-cert-file: cannot read " + dir.resolve("none.crt"));
    assertThatThrownBy(() -> options(pki.resolve("s1.key"), pki.resolve("s1.key"), pki.resolve("ca.crt"))
        .tls("127.0.0.1", CLOCK)).isInstanceOf(CliException.class)
        .hasMessage("--peer-cert-file: " + pki.resolve("s1.key") + ": no \"BEGIN CERTIFICATE\" block in the PEM text");
    assertThatThrownBy(() -> options(pki.resolve("s1.crt"), pki.resolve("s1.crt"), pki.resolve("ca.crt"))
        .tls("127.0.0.1", CLOCK)).isInstanceOf(CliException.class)
        .hasMessageStartingWith("--peer-key-file: " + pki.resolve("s1.crt") + ": expected one \"BEGIN PRIVATE KEY\"");

    // Another member's key.
    assertThat(CliRun.of("certificate", "peer", "s2", "--host", "127.0.0.1", "--dir", pki.toString()).exitCode())
        .isZero();
    assertThatThrownBy(() -> options(pki.resolve("s1.crt"), pki.resolve("s2.key"), pki.resolve("ca.crt"))
        .tls("127.0.0.1", CLOCK)).isInstanceOf(CliException.class)
        .hasMessage("--peer-key-file: " + pki.resolve("s2.key") + " is not the key of the certificate in "
            + pki.resolve("s1.crt"));

    // A certificate of another CA.
    Path other = dir.resolve("other");
    assertThat(CliRun.of("certificate", "peer", "s1", "--host", "127.0.0.1", "--dir", other.toString()).exitCode())
        .isZero();
    assertThatThrownBy(() -> options(other.resolve("s1.crt"), other.resolve("s1.key"), pki.resolve("ca.crt"))
        .tls("127.0.0.1", CLOCK)).isInstanceOf(CliException.class)
        .hasMessageContaining("was not issued by a CA in --peer-trusted-ca-file " + pki.resolve("ca.crt"));

    // A client-only certificate of the right CA: a member also serves.
    CertificateAuthority ca = CertificateAuthority.fromPem(read(pki.resolve("ca.crt")) + read(pki.resolve("ca.key")),
        CLOCK, RANDOM);
    KeyPair keys = CertificateAuthority.newKeyPair(RANDOM);
    X509Certificate client = ca.issueClient(new Subject("s1", List.of()), keys.getPublic());
    Files.writeString(dir.resolve("client.crt"), Pem.certificate(client));
    Files.writeString(dir.resolve("client.key"), Pem.privateKey(keys.getPrivate()));
    assertThatThrownBy(() -> options(dir.resolve("client.crt"), dir.resolve("client.key"), pki.resolve("ca.crt"))
        .tls("127.0.0.1", CLOCK)).isInstanceOf(CliException.class)
        .hasMessageContaining("must allow both server and client authentication");

    // Expired (as seen a year and a day from now) and not naming the host.
    Clock later = Clock.offset(CLOCK, CertificateAuthority.LEAF_VALIDITY.plus(Duration.ofDays(1)));
    assertThatThrownBy(() -> issued().tls("127.0.0.1", later)).isInstanceOf(CliException.class)
        .hasMessageContaining("--peer-cert-file: " + pki.resolve("s1.crt") + " is valid only from");
    assertThatThrownBy(() -> issued().tls("10.0.0.9", CLOCK)).isInstanceOf(CliException.class)
        .hasMessageContaining(" does not name 10.0.0.9, the host of this member's Raft address");
  }

  @Test
  void theCommandRefusesAHalfCaAndBadArguments() throws IOException {
    Path half = dir.resolve("half");
    Files.createDirectories(half);
    Files.copy(pki.resolve("ca.crt"), half.resolve("ca.crt"));
    CliRun run = CliRun.of("certificate", "peer", "s1", "--host", "127.0.0.1", "--dir", half.toString());
    assertThat(run.exitCode()).isNotZero();
    assertThat(run.err()).contains("--dir: " + half + " holds ca.crt without ca.key");
    assertThat(half.resolve("s1.crt")).doesNotExist();

    run = CliRun.of("certificate", "peer", "bad/name", "--host", "127.0.0.1", "--dir", pki.toString());
    assertThat(run.exitCode()).isNotZero();
    assertThat(run.err()).contains("NAME must be 1-63 letters");
    run = CliRun.of("certificate", "peer", "s3", "--host", "http://10.0.0.3", "--dir", pki.toString());
    assertThat(run.exitCode()).isNotZero();
    assertThat(run.err()).contains("--host: expected a host name or IP address, got \"http://10.0.0.3\"");
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
