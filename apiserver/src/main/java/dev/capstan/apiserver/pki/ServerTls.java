package dev.capstan.apiserver.pki;

import dev.capstan.client.tls.SwappableKeyManager;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * TLS of the API port: the server presents the current certificate of {@code serving} (which a
 * {@link dev.capstan.client.tls.CertificateRotation} may replace while the server runs; each
 * handshake takes the current one) and asks every client for a certificate, which it accepts
 * only from {@code ca}; a client without one may still connect and authenticate with a bearer
 * token.
 */
public record ServerTls(CertificateAuthority ca, SwappableKeyManager serving) {
  /** With a fixed serving certificate. */
  public ServerTls(CertificateAuthority ca, TlsIdentity serving) {
    this(ca, new SwappableKeyManager(serving.certifiedKey()));
  }

  public ServerCredentials credentials() {
    try {
      return TlsServerCredentials.newBuilder()
          .keyManager(serving)
          .trustManager(new ByteArrayInputStream(Pem.bytes(ca.certificatePem())))
          .clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL)
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the CA's certificate: " + e.getMessage(), e);
    }
  }
}
