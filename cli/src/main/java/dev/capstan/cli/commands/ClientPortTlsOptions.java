package dev.capstan.cli.commands;

import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * etcd's {@code --cert-file}, {@code --key-file}, {@code --trusted-ca-file} and
 * {@code --client-cert-auth} for the etcd client port of {@code capstan store}
 * ({@code --client-port}) and {@code capstan server} ({@code --etcd-port}): with a certificate
 * and key it serves TLS only; with {@code --client-cert-auth} it also requires every client to
 * present a certificate issued by {@code --trusted-ca-file} (otherwise such a certificate is
 * only checked when a client presents one). Without them the port is plaintext.
 */
public final class ClientPortTlsOptions {
  static final String CERT_FLAG = "--cert-file";
  static final String KEY_FLAG = "--key-file";
  static final String CA_FLAG = "--trusted-ca-file";
  static final String CLIENT_AUTH_FLAG = "--client-cert-auth";

  @Option(names = CERT_FLAG, paramLabel = "FILE", description = "the etcd client port's serving certificate (PEM); with "
      + KEY_FLAG + " the port serves TLS only (default: plaintext)")
  Path certFile;

  @Option(names = KEY_FLAG, paramLabel = "FILE", description = "the private key of " + CERT_FLAG
      + " (PEM, PKCS#8, EC or RSA)")
  Path keyFile;

  @Option(names = CA_FLAG, paramLabel = "FILE", description = "the CA certificate(s) (PEM) clients' certificates are"
      + " checked against")
  Path trustedCaFile;

  @Option(names = CLIENT_AUTH_FLAG, description = "require every client to present a certificate from " + CA_FLAG)
  boolean clientCertAuth;

  /** Whether the port serves TLS. */
  boolean enabled() {
    return certFile != null || keyFile != null;
  }

  /** The scheme of the port's URLs: {@code https://} with TLS, else {@code http://}. */
  String scheme() {
    return enabled() ? "https://" : "http://";
  }

  /** The credentials the flags describe, checked first; plaintext when none is given. */
  ServerCredentials credentials() {
    if (!enabled()) {
      if (trustedCaFile != null || clientCertAuth) {
        throw new CliException((clientCertAuth ? CLIENT_AUTH_FLAG : CA_FLAG) + ": needs TLS on the etcd port ("
            + CERT_FLAG + " and " + KEY_FLAG + ")");
      }
      return InsecureServerCredentials.create();
    }
    if (certFile == null || keyFile == null) {
      throw new CliException((certFile == null ? CERT_FLAG : KEY_FLAG) + ": required with "
          + (certFile == null ? KEY_FLAG : CERT_FLAG));
    }
    if (clientCertAuth && trustedCaFile == null) {
      throw new CliException(CLIENT_AUTH_FLAG + ": needs " + CA_FLAG + " (the CA that issues the clients' certificates)");
    }
    PemFlagFiles.PemFile cert = PemFlagFiles.read(CERT_FLAG, certFile);
    PemFlagFiles.PemFile key = PemFlagFiles.read(KEY_FLAG, keyFile);
    PemFlagFiles.keyOf(PemFlagFiles.certificates(cert).get(0), cert, key);
    try {
      TlsServerCredentials.Builder tls = TlsServerCredentials.newBuilder().keyManager(cert.stream(), key.stream());
      if (trustedCaFile != null) {
        PemFlagFiles.PemFile ca = PemFlagFiles.read(CA_FLAG, trustedCaFile);
        PemFlagFiles.certificates(ca);
        tls.trustManager(ca.stream())
            .clientAuth(clientCertAuth ? TlsServerCredentials.ClientAuth.REQUIRE : TlsServerCredentials.ClientAuth.OPTIONAL);
      }
      return tls.build();
    } catch (IOException | IllegalArgumentException e) {
      throw new CliException(CERT_FLAG + ": cannot use " + certFile + " and " + keyFile + ": " + e.getMessage());
    }
  }
}
