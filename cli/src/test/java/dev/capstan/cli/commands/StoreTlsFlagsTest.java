package dev.capstan.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.cli.CliRun;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on {@code capstan store}'s etcd port (etcd's {@code --cert-file} and companions) and on the
 * store commands that call it (etcdctl's {@code --cacert}, {@code --cert}, {@code --key}): what
 * the flags turn on, and each inconsistent combination refused naming a flag.
 */
class StoreTlsFlagsTest {
  @TempDir
  Path dir;

  private Path pki;

  @BeforeEach
  void issue() {
    pki = dir.resolve("pki");
    for (String name : List.of("c1", "admin")) {
      assertThat(CliRun.of("certificate", "peer", name, "--host", "127.0.0.1", "--dir", pki.toString()).exitCode())
          .isZero();
    }
  }

  private ClientPortTlsOptions serving(Path cert, Path key, Path ca, boolean clientCertAuth) {
    ClientPortTlsOptions o = new ClientPortTlsOptions();
    o.certFile = cert;
    o.keyFile = key;
    o.trustedCaFile = ca;
    o.clientCertAuth = clientCertAuth;
    return o;
  }

  private StoreClientTlsOptions client(Path ca, Path cert, Path key) {
    StoreClientTlsOptions o = new StoreClientTlsOptions();
    o.caFile = ca;
    o.certFile = cert;
    o.keyFile = key;
    return o;
  }

  @Test
  void theEtcdPortServesWhatTheFlagsSay() {
    assertThat(serving(null, null, null, false).credentials()).isInstanceOf(InsecureServerCredentials.class);
    TlsServerCredentials tls = (TlsServerCredentials) serving(pki.resolve("c1.crt"), pki.resolve("c1.key"), null, false)
        .credentials();
    assertThat(tls.getClientAuth()).isEqualTo(TlsServerCredentials.ClientAuth.NONE);
    assertThat(((TlsServerCredentials) serving(pki.resolve("c1.crt"), pki.resolve("c1.key"), pki.resolve("ca.crt"),
        false).credentials()).getClientAuth()).isEqualTo(TlsServerCredentials.ClientAuth.OPTIONAL);
    assertThat(((TlsServerCredentials) serving(pki.resolve("c1.crt"), pki.resolve("c1.key"), pki.resolve("ca.crt"),
        true).credentials()).getClientAuth()).isEqualTo(TlsServerCredentials.ClientAuth.REQUIRE);
  }

  @Test
  void serverChecksItsEtcdPortFlagsBeforeStarting() {
    CliRun run = CliRun.of("server", "--name", "s1", "--initial-cluster", "s1=127.0.0.1:2380", "--data-dir",
        dir.resolve("s1").toString(), "--cert-file", pki.resolve("c1.crt").toString());
    assertThat(run.exitCode()).isNotZero();
    assertThat(run.err()).contains("--key-file: required with --cert-file");
  }

  @Test
  void theEtcdPortRefusesInconsistentFlags() {
    assertThatThrownBy(() -> serving(pki.resolve("c1.crt"), null, null, false).credentials())
        .isInstanceOf(CliException.class).hasMessage("--key-file: required with --cert-file");
    assertThatThrownBy(() -> serving(null, null, null, true).credentials())
        .isInstanceOf(CliException.class).hasMessageStartingWith("--client-cert-auth: needs TLS on the etcd port");
    assertThatThrownBy(() -> serving(pki.resolve("c1.crt"), pki.resolve("c1.key"), null, true).credentials())
        .isInstanceOf(CliException.class).hasMessageStartingWith("--client-cert-auth: needs --trusted-ca-file");
    assertThatThrownBy(() -> serving(pki.resolve("c1.crt"), pki.resolve("admin.key"), null, false).credentials())
        .isInstanceOf(CliException.class)
        .hasMessage("--key-file: " + pki.resolve("admin.key") + " is not the key of the certificate in "
            + pki.resolve("c1.crt"));
  }

  @Test
  void storeCommandsDialWhatTheFlagsSay() {
    assertThat(client(null, null, null).credentials()).isInstanceOf(InsecureChannelCredentials.class);
    assertThat(client(pki.resolve("ca.crt"), null, null).credentials()).isInstanceOf(TlsChannelCredentials.class);
    assertThat(client(pki.resolve("ca.crt"), pki.resolve("admin.crt"), pki.resolve("admin.key")).credentials())
        .isInstanceOf(TlsChannelCredentials.class);
    assertThatThrownBy(() -> client(null, pki.resolve("admin.crt"), pki.resolve("admin.key")).credentials())
        .isInstanceOf(CliException.class).hasMessageStartingWith("--cert: needs --cacert");
    assertThatThrownBy(() -> client(pki.resolve("ca.crt"), pki.resolve("admin.crt"), null).credentials())
        .isInstanceOf(CliException.class).hasMessage("--key: required with --cert");
    assertThatThrownBy(() -> client(pki.resolve("admin.key"), null, null).credentials())
        .isInstanceOf(CliException.class).hasMessageStartingWith("--cacert: " + pki.resolve("admin.key") + ": no");

    CliRun https = CliRun.of("store", "member", "list", "--endpoints", "https://127.0.0.1:2379");
    assertThat(https.exitCode()).isNotZero();
    assertThat(https.err()).contains("--endpoints: https://127.0.0.1:2379 is TLS: give the CA that issued its"
        + " certificate with --cacert");
  }
}
