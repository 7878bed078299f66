package dev.capstan.apiserver.pki;

import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * TLS of the API port: the server presents {@code serving} and asks every client for a
 * certificate, which it accepts only from {@code ca}; a client without one may still connect
 * and authenticate with a bearer token.
 */
public record ServerTls(CertificateAuthority ca, TlsIdentity serving) {
  public ServerCredentials credentials() {
    try {
      return TlsServerCredentials.newBuilder()
          .keyManager(new ByteArrayInputStream(Pem.bytes(serving.certificatePem())),
              new ByteArrayInputStream(Pem.bytes(serving.privateKeyPem())))
          .trustManager(new ByteArrayInputStream(Pem.bytes(ca.certificatePem())))
          .clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL)
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the serving certificate or the CA: " + e.getMessage(), e);
    }
  }
}
