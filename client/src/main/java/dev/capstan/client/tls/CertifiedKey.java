package dev.capstan.client.tls;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;

/**
 * A leaf certificate and its private key: what one side of a TLS connection presents. Its
 * validity window is what {@link CertificateRotation} schedules renewal from.
 */
public record CertifiedKey(X509Certificate certificate, PrivateKey key) {
  private static final String KEY_BEGIN = "-----BEGIN PRIVATE KEY-----";
  private static final String KEY_END = "-----END PRIVATE KEY-----";

  public CertifiedKey {
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(key, "key");
  }

  /**
   * Parses a PEM certificate (the first one in {@code certificatePem}) and a PEM PKCS#8 EC or RSA
   * key; bad input is an IllegalArgumentException naming which of the two.
   */
  public static CertifiedKey fromPem(String certificatePem, String keyPem) {
    X509Certificate cert;
    try {
      cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
          new ByteArrayInputStream(certificatePem.getBytes(StandardCharsets.US_ASCII)));
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException("certificate: not a PEM X.509 certificate: " + e.getMessage(), e);
    }
    int begin = keyPem.indexOf(KEY_BEGIN);
    int end = keyPem.indexOf(KEY_END);
    if (begin < 0 || end < begin) {
      throw new IllegalArgumentException("key: expected a \"" + KEY_BEGIN + "\" (PKCS#8) block");
    }
    byte[] der = Base64.getMimeDecoder().decode(keyPem.substring(begin + KEY_BEGIN.length(), end));
    // The key's algorithm is the certificate's: EC for everything the cluster CA issues.
    String algorithm = cert.getPublicKey().getAlgorithm();
    try {
      return new CertifiedKey(cert, KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der)));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("key: not a PKCS#8 " + algorithm + " private key: " + e.getMessage(), e);
    }
  }

  public Instant notBefore() {
    return certificate.getNotBefore().toInstant();
  }

  public Instant notAfter() {
    return certificate.getNotAfter().toInstant();
  }

  /** The whole validity window, notBefore to notAfter. */
  public Duration lifetime() {
    return Duration.between(notBefore(), notAfter());
  }

  /** The serial number in hex: how logs and key-manager aliases tell certificates apart. */
  public String serialHex() {
    return certificate.getSerialNumber().toString(16);
  }

  @Override
  public String toString() {
    return "CertifiedKey[" + certificate.getSubjectX500Principal() + ", serial " + serialHex() + ", until "
        + notAfter() + ", key=***]";
  }
}
