package dev.capstan.cli.daemon;

import dev.capstan.apiserver.pki.CertificateAuthority;
import dev.capstan.apiserver.pki.PeerCertificates;
import dev.capstan.apiserver.pki.TlsIdentity;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;

/**
 * Mutual TLS for {@code capstan up}'s etcd port: a serving certificate for the loopback names and
 * a client certificate for etcdctl, both issued by the store's peer CA and kept in one directory
 * ({@code server.crt}/{@code .key}, {@code etcdctl.crt}/{@code .key}; made at the first start,
 * re-issued at a start when near their end). The port accepts only clients that present a
 * certificate of that CA, as kubeadm's etcd, whose one CA issues its server, peer and client
 * certificates. Without this any local user could read every Secret (and the cluster CA's key)
 * through the loopback port.
 */
public final class EtcdPortCertificates {
  /** The names the serving certificate holds: the port listens on loopback only. */
  static final List<String> LOOPBACK_NAMES = List.of("127.0.0.1", "::1", "localhost");
  static final String SERVER = "server";
  static final String CLIENT = "etcdctl";

  /** The files an etcd client needs: etcdctl's {@code --cacert}, {@code --cert} and {@code --key}. */
  public record ClientFiles(Path caCertificate, Path certificate, Path key) {}

  private final ServerCredentials credentials;
  private final ClientFiles clientFiles;

  private EtcdPortCertificates(ServerCredentials credentials, ClientFiles clientFiles) {
    this.credentials = credentials;
    this.clientFiles = clientFiles;
  }

  /**
   * The certificates in {@code dir}, issued by {@code ca} (whose certificate is in
   * {@code caFile}) where missing, not from {@code ca} or near their end.
   */
  static EtcdPortCertificates ensure(Path dir, CertificateAuthority ca, Path caFile, Clock clock,
      SecureRandom random) {
    TlsIdentity server = PeerCertificates.ensure(dir, ca, SERVER, LOOPBACK_NAMES, clock, random);
    PeerCertificates.ensure(dir, ca, CLIENT, List.of("localhost"), clock, random);
    ServerCredentials credentials;
    try {
      credentials = TlsServerCredentials.newBuilder()
          .keyManager(ascii(server.certificatePem()), ascii(server.privateKeyPem()))
          .trustManager(ascii(ca.certificatePem()))
          .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot use the etcd port's certificate in " + dir + ": " + e.getMessage(), e);
    }
    return new EtcdPortCertificates(credentials, new ClientFiles(caFile,
        PeerCertificates.certificateFile(dir, CLIENT), PeerCertificates.keyFile(dir, CLIENT)));
  }

  ServerCredentials credentials() {
    return credentials;
  }

  ClientFiles clientFiles() {
    return clientFiles;
  }

  private static InputStream ascii(String pem) {
    return new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII));
  }
}
