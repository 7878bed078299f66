package dev.capstan.agent.server;

import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * TLS of the agent's port: the agent presents its serving certificate (issued by the cluster CA
 * for the node's names and addresses) and requires a client certificate the CA issued (mutual
 * TLS); of those callers it serves only the one named {@code apiserverUser}, the apiserver's
 * agent client certificate ({@link ApiServerOnly}).
 *
 * @param servingCertificatePem the agent's serving certificate (PEM)
 * @param servingKeyPem its PKCS#8 private key (PEM)
 * @param certificateAuthorityPem the cluster CA's certificate (PEM), the only issuer of callers trusted
 * @param apiserverUser the certificate CN of the one caller served (kube-apiserver-kubelet-client)
 */
public record AgentTls(String servingCertificatePem, String servingKeyPem, String certificateAuthorityPem,
    String apiserverUser) {
  public AgentTls {
    Objects.requireNonNull(servingCertificatePem, "servingCertificatePem");
    Objects.requireNonNull(servingKeyPem, "servingKeyPem");
    Objects.requireNonNull(certificateAuthorityPem, "certificateAuthorityPem");
    if (apiserverUser == null || apiserverUser.isBlank()) {
      throw new IllegalArgumentException("apiserverUser: required (the CN of the apiserver's client certificate)");
    }
  }

  ServerCredentials credentials() {
    try {
      return TlsServerCredentials.newBuilder()
          .keyManager(stream(servingCertificatePem), stream(servingKeyPem))
          .trustManager(stream(certificateAuthorityPem))
          .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException("agent TLS: cannot read the serving certificate, its key or the CA: "
          + e.getMessage(), e);
    }
  }

  private static ByteArrayInputStream stream(String pem) {
    return new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII));
  }

  @Override
  public String toString() {
    return "AgentTls[apiserverUser=" + apiserverUser + ", key=***]";
  }
}
