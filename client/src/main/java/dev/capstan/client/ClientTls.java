package dev.capstan.client;

import dev.capstan.client.tls.SwappableKeyManager;
import io.grpc.ChannelCredentials;
import io.grpc.TlsChannelCredentials;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * TLS to the apiserver: the cluster CA's certificate to verify the server with, and optionally
 * a client certificate and its PKCS#8 key (all PEM) to authenticate with (CN = user, O = groups).
 * The server's certificate must name the address dialed (its SANs hold localhost, 127.0.0.1,
 * ::1, the host name and any --tls-san).
 */
public record ClientTls(String certificateAuthorityPem, String clientCertificatePem, String clientKeyPem,
    SwappableKeyManager rotatingClientCertificate) {
  public ClientTls {
    if (certificateAuthorityPem == null || certificateAuthorityPem.isBlank()) {
      throw new IllegalArgumentException("TLS needs the cluster CA certificate (certificate-authority-data)");
    }
    if ((clientCertificatePem == null) != (clientKeyPem == null)) {
      throw new IllegalArgumentException("client-certificate-data and client-key-data go together: give both or"
          + " neither");
    }
    if (rotatingClientCertificate != null && clientCertificatePem != null) {
      throw new IllegalArgumentException("a client certificate is given either as PEM or as a rotating key manager,"
          + " not both");
    }
  }

  /** A fixed client certificate and key (PEM), or none (both null). */
  public ClientTls(String certificateAuthorityPem, String clientCertificatePem, String clientKeyPem) {
    this(certificateAuthorityPem, clientCertificatePem, clientKeyPem, null);
  }

  /**
   * A client certificate that {@link dev.capstan.client.tls.CertificateRotation} renews while the
   * channel runs: each new connection presents the key manager's current certificate.
   */
  public static ClientTls rotating(String certificateAuthorityPem, SwappableKeyManager clientCertificate) {
    return new ClientTls(certificateAuthorityPem, null, null,
        java.util.Objects.requireNonNull(clientCertificate, "clientCertificate"));
  }

  /** Verifies the server only; the caller authenticates another way (a bearer token). */
  public static ClientTls serverOnly(String certificateAuthorityPem) {
    return new ClientTls(certificateAuthorityPem, null, null);
  }

  public boolean hasClientCertificate() {
    return clientCertificatePem != null || rotatingClientCertificate != null;
  }

  public ChannelCredentials credentials() {
    try {
      TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder()
          .trustManager(stream(certificateAuthorityPem));
      if (clientCertificatePem != null) {
        b.keyManager(stream(clientCertificatePem), stream(clientKeyPem));
      } else if (rotatingClientCertificate != null) {
        b.keyManager(rotatingClientCertificate);
      }
      return b.build();
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalArgumentException("cannot use the TLS certificates of the client config: " + e.getMessage(), e);
    }
  }

  private static ByteArrayInputStream stream(String pem) {
    return new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII));
  }

  @Override
  public String toString() {
    return "ClientTls[ca, clientCertificate=" + hasClientCertificate() + ", key=***]";
  }
}
