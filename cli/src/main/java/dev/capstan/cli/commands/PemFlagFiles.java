package dev.capstan.cli.commands;

import dev.capstan.apiserver.pki.Pem;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
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

  /**
   * A flag's file, read once: what is checked is what is used (handed to gRPC or Ratis as
   * {@link #stream()}), not a second read of the file.
   */
  record PemFile(String flag, Path path, String text) {
    InputStream stream() {
      return new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public String toString() {
      return path.toString();
    }
  }

  /** The file named by {@code flag}, read. */
  static PemFile read(String flag, Path file) {
    try {
      return new PemFile(flag, file, Files.readString(file, StandardCharsets.US_ASCII));
    } catch (IOException e) {
      throw new CliException(flag + ": cannot read " + file + ": " + e);
    }
  }

  /** The certificates in {@code file} (at least one). */
  static List<X509Certificate> certificates(PemFile file) {
    try {
      return Pem.certificates(file.text());  // at least one, or it throws
    } catch (IllegalArgumentException e) {
      throw new CliException(file.flag() + ": " + file + ": " + e.getMessage());
    }
  }

  /**
   * The PKCS#8 EC or RSA private key in {@code keyFile}, checked to belong to {@code certificate}
   * (read from {@code certFile}).
   */
  static PrivateKey keyOf(X509Certificate certificate, PemFile certFile, PemFile keyFile) {
    PrivateKey key;
    try {
      key = Pem.privateKeyOf(keyFile.text(), List.of("EC", "RSA"));
    } catch (IllegalArgumentException e) {
      throw new CliException(keyFile.flag() + ": " + keyFile + ": " + e.getMessage());
    }
    if (!matches(certificate, key)) {
      throw new CliException(keyFile.flag() + ": " + keyFile + " is not the key of the certificate in " + certFile);
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
}
