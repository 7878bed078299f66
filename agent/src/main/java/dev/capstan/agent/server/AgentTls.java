package dev.capstan.agent.server;

import dev.capstan.client.tls.CertifiedKey;
import dev.capstan.client.tls.SwappableKeyManager;
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
 * agent client certificate ({@link ApiServerOnly}). The serving certificate is the current one of
 * a key manager that a {@link dev.capstan.client.tls.CertificateRotation} may renew while the
 * agent runs: each handshake presents the current one, open connections stay up.
 *
 * @param serving the agent's serving certificate and key
 * @param certificateAuthorityPem the cluster CA's certificate (PEM), the only issuer of callers trusted
 * @param apiserverUser the certificate CN of the one caller served (kube-apiserver-kubelet-client)
 */
public record AgentTls(SwappableKeyManager serving, String certificateAuthorityPem, String apiserverUser) {
  public AgentTls {
    Objects.requireNonNull(serving, "serving");
    Objects.requireNonNull(certificateAuthorityPem, "certificateAuthorityPem");
    if (apiserverUser == null || apiserverUser.isBlank()) {
      throw new IllegalArgumentException("apiserverUser: required (the CN of the apiserver's client certificate)");
    }
  }

  /** With a fixed serving certificate and its PKCS#8 key, both PEM. */
  public AgentTls(String servingCertificatePem, String servingKeyPem, String certificateAuthorityPem,
      String apiserverUser) {
    this(new SwappableKeyManager(CertifiedKey.fromPem(Objects.requireNonNull(servingCertificatePem,
        "servingCertificatePem"), Objects.requireNonNull(servingKeyPem, "servingKeyPem"))),
        certificateAuthorityPem, apiserverUser);
  }

  ServerCredentials credentials() {
    try {
      return TlsServerCredentials.newBuilder()
          .keyManager(serving)
          .trustManager(new ByteArrayInputStream(certificateAuthorityPem.getBytes(StandardCharsets.US_ASCII)))
          .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException("agent TLS: cannot read the CA: " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "AgentTls[" + serving + ", apiserverUser=" + apiserverUser + "]";
  }
}
