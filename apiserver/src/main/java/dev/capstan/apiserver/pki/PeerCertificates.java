package dev.capstan.apiserver.pki;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;

/**
 * Store members' certificates for mutual TLS on the Raft port, and the peer CA that issues them,
 * kept as files in one directory: {@code ca.crt} and {@code ca.key}, and {@code NAME.crt} and
 * {@code NAME.key} per member (all 0600). The peer CA is not the cluster CA: the Raft port must be
 * secured before the store exists, and the cluster CA lives in the store.
 */
public final class PeerCertificates {
  public static final String CA_CERTIFICATE = "ca.crt";
  public static final String CA_KEY = "ca.key";
  private static final String CA_NAME = "capstan-peer-ca";

  private PeerCertificates() {}

  /**
   * The peer CA in {@code dir}, made when the directory holds none.
   *
   * @throws IllegalArgumentException when {@code dir} holds half a CA or files that are not one
   */
  public static CertificateAuthority loadOrCreateCa(Path dir, Clock clock, SecureRandom random) {
    Path certFile = dir.resolve(CA_CERTIFICATE);
    Path keyFile = dir.resolve(CA_KEY);
    boolean hasCert = Files.exists(certFile);
    if (hasCert != Files.exists(keyFile)) {
      throw new IllegalArgumentException(dir + " holds " + (hasCert ? CA_CERTIFICATE + " without " + CA_KEY
          : CA_KEY + " without " + CA_CERTIFICATE) + "; restore the missing file or use an empty directory");
    }
    try {
      if (hasCert) {
        try {
          return CertificateAuthority.fromPem(Files.readString(certFile, StandardCharsets.US_ASCII)
              + Files.readString(keyFile, StandardCharsets.US_ASCII), clock, random);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(dir + ": not a peer CA: " + e.getMessage(), e);
        }
      }
      CertificateAuthority ca = CertificateAuthority.create(CA_NAME, clock, random);
      PrivateFile.write(keyFile, Pem.encode(Pem.PRIVATE_KEY, Pem.blocks(ca.toPem(), Pem.PRIVATE_KEY).get(0)));
      PrivateFile.write(certFile, ca.certificatePem());
      return ca;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the peer CA in " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * A new key and certificate for member {@code name}, valid for {@code hosts}, written to
   * {@code dir} as {@code NAME.crt} and {@code NAME.key} (each replaced at once).
   */
  public static TlsIdentity issue(Path dir, CertificateAuthority ca, String name, List<String> hosts,
      SecureRandom random) {
    KeyPair keys = CertificateAuthority.newKeyPair(random);
    TlsIdentity issued = TlsIdentity.of(ca.issuePeer(name, keys.getPublic(), hosts), keys);
    try {
      PrivateFile.write(keyFile(dir, name), issued.privateKeyPem());
      PrivateFile.write(certificateFile(dir, name), issued.certificatePem());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the peer certificate of " + name + " in " + dir + ": "
          + e.getMessage(), e);
    }
    return issued;
  }

  /**
   * Member {@code name}'s certificate in {@code dir} if {@code ca} issued it, it holds every one of
   * {@code hosts} and it has more than {@link ServingCertificate#RENEW_BEFORE} left; a new one
   * otherwise (checked at each start of {@code capstan up}).
   */
  public static TlsIdentity ensure(Path dir, CertificateAuthority ca, String name, List<String> hosts, Clock clock,
      SecureRandom random) {
    Path cert = certificateFile(dir, name);
    Path key = keyFile(dir, name);
    try {
      if (Files.exists(cert) && Files.exists(key)) {
        TlsIdentity kept = new TlsIdentity(Files.readString(cert), Files.readString(key));
        if (ServingCertificate.fits(kept.certificate(), ca.certificate(), hosts, clock)) {
          return kept;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the peer certificate in " + dir + ": " + e.getMessage(), e);
    }
    return issue(dir, ca, name, hosts, random);
  }

  public static Path certificateFile(Path dir, String name) {
    return dir.resolve(name + ".crt");
  }

  public static Path keyFile(Path dir, String name) {
    return dir.resolve(name + ".key");
  }
}
