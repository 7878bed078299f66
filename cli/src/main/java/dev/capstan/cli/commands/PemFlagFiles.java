package dev.capstan.cli.commands;

import dev.capstan.apiserver.pki.Pem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * PEM files named by TLS flags, read and checked so that a wrong one is reported naming its flag
 * before anything listens or dials, instead of as a handshake failure later.
 */
final class PemFlagFiles {
  private PemFlagFiles() {}

  /** The certificates in {@code file} (at least one). */
  static List<X509Certificate> certificates(String flag, Path file) {
    try {
      return Pem.certificates(read(flag, file));  // at least one, or it throws
    } catch (IllegalArgumentException e) {
      throw new CliException(flag + ": " + file + ": " + e.getMessage());
    }
  }

  /** The PKCS#8 EC or RSA private key in {@code file}. */
  static PrivateKey key(String flag, Path file) {
    try {
      return Pem.privateKeyOf(read(flag, file), List.of("EC", "RSA"));
    } catch (IllegalArgumentException e) {
      throw new CliException(flag + ": " + file + ": " + e.getMessage());
    }
  }

  /**
   * The key in {@code keyFile} for the first certificate in {@code certFile}, checked to belong
   * to it.
   */
  static PrivateKey keyOf(String certFlag, Path certFile, String keyFlag, Path keyFile) {
    return keyOf(certificates(certFlag, certFile).get(0), certFile, keyFlag, keyFile);
  }

  /** As above, for a certificate already read from {@code certFile}. */
  static PrivateKey keyOf(X509Certificate certificate, Path certFile, String keyFlag, Path keyFile) {
    PrivateKey key = key(keyFlag, keyFile);
    if (!matches(certificate, key)) {
      throw new CliException(keyFlag + ": " + keyFile + " is not the key of the certificate in " + certFile);
    }
    return key;
  }

  /** Whether {@code key} signs what {@code certificate}'s public key verifies. */
  static boolean matches(X509Certificate certificate, PrivateKey key) {
    String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256with" + key.getAlgorithm();
    byte[] probe = "capstan key check".getBytes(StandardCharsets.US_ASCII);
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;  // a key of another algorithm than the certificate's
    }
  }

  private static String read(String flag, Path file) {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new CliException(flag + ": cannot read " + file + ": " + e);
    }
  }
}
