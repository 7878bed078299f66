package dev.capstan.apiserver.pki;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEM text of certificates, PKCS#8 private keys ({@code BEGIN PRIVATE KEY}, the form gRPC's
 * Netty TLS reads), X.509 public keys ({@code BEGIN PUBLIC KEY}) and certificate requests, to and
 * from JDK objects.
 */
public final class Pem {
  public static final String CERTIFICATE = "CERTIFICATE";
  public static final String PRIVATE_KEY = "PRIVATE KEY";
  public static final String CERTIFICATE_REQUEST = "CERTIFICATE REQUEST";
  public static final String PUBLIC_KEY = "PUBLIC KEY";

  private static final Pattern BLOCK = Pattern.compile(
      "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)-----END \\1-----");

  private Pem() {}

  public static String encode(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  public static String certificate(X509Certificate cert) {
    try {
      return encode(CERTIFICATE, cert.getEncoded());
    } catch (CertificateException e) {
      throw new IllegalStateException("cannot encode certificate " + cert.getSubjectX500Principal(), e);
    }
  }

  public static String privateKey(PrivateKey key) {
    return encode(PRIVATE_KEY, key.getEncoded());  // the JDK encodes private keys as PKCS#8
  }

  public static String publicKey(PublicKey key) {
    return encode(PUBLIC_KEY, key.getEncoded());  // the JDK encodes public keys as X.509 SubjectPublicKeyInfo
  }

  /** The DER contents of every block of {@code type} in {@code pem}, in order. */
  public static List<byte[]> blocks(String pem, String type) {
    List<byte[]> out = new ArrayList<>();
    Matcher m = BLOCK.matcher(pem);
    while (m.find()) {
      if (m.group(1).equals(type)) {
        out.add(Base64.getMimeDecoder().decode(m.group(2)));
      }
    }
    return out;
  }

  /** Every certificate in {@code pem}; none is an error. */
  public static List<X509Certificate> certificates(String pem) {
    List<byte[]> ders = blocks(pem, CERTIFICATE);
    if (ders.isEmpty()) {
      throw new IllegalArgumentException("no \"BEGIN " + CERTIFICATE + "\" block in the PEM text");
    }
    try {
      CertificateFactory f = CertificateFactory.getInstance("X.509");
      List<X509Certificate> certs = new ArrayList<>();
      for (byte[] der : ders) {
        certs.add((X509Certificate) f.generateCertificate(new ByteArrayInputStream(der)));
      }
      return certs;
    } catch (CertificateException e) {
      throw new IllegalArgumentException("not a valid X.509 certificate: " + e.getMessage(), e);
    }
  }

  public static X509Certificate certificateOf(String pem) {
    return certificates(pem).get(0);
  }

  /** The (only) PKCS#8 EC private key in {@code pem}. */
  public static PrivateKey privateKeyOf(String pem) {
    return privateKeyOf(pem, List.of("EC"));
  }

  /**
   * The (only) PKCS#8 private key in {@code pem}, of the first of {@code algorithms} (JCA names:
   * "EC", "RSA") it decodes as.
   */
  public static PrivateKey privateKeyOf(String pem, List<String> algorithms) {
    List<byte[]> ders = blocks(pem, PRIVATE_KEY);
    if (ders.size() != 1) {
      throw new IllegalArgumentException("expected one \"BEGIN " + PRIVATE_KEY + "\" (PKCS#8) block, found "
          + ders.size());
    }
    GeneralSecurityException last = null;
    for (String algorithm : algorithms) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(ders.get(0)));
      } catch (GeneralSecurityException e) {
        last = e;
      }
    }
    throw new IllegalArgumentException("not a PKCS#8 " + String.join(" or ", algorithms) + " private key: "
        + last.getMessage(), last);
  }

  /** The (only) X.509 SubjectPublicKeyInfo EC public key in {@code pem}. */
  public static PublicKey publicKeyOf(String pem) {
    List<byte[]> ders = blocks(pem, PUBLIC_KEY);
    if (ders.size() != 1) {
      throw new IllegalArgumentException("expected one \"BEGIN " + PUBLIC_KEY + "\" block, found " + ders.size());
    }
    try {
      return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(ders.get(0)));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not an X.509 EC public key: " + e.getMessage(), e);
    }
  }

  public static byte[] bytes(String pem) {
    return pem.getBytes(StandardCharsets.US_ASCII);
  }
}
