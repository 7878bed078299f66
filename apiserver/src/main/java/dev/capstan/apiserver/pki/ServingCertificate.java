package dev.capstan.apiserver.pki;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A server's own serving certificate, issued by the cluster CA and cached in its data dir
 * ({@code server.crt}, {@code server.key}, the key readable by its owner only). A cached one is
 * reused while the current CA issued it, it names every address asked for and it has more than
 * {@link #RENEW_BEFORE} left; otherwise a new key and certificate replace it.
 */
public final class ServingCertificate {
  public static final Duration RENEW_BEFORE = Duration.ofDays(30);
  static final String CERT_FILE = "server.crt";
  static final String KEY_FILE = "server.key";

  private ServingCertificate() {}

  /**
   * The names every serving certificate holds (localhost, 127.0.0.1, ::1 and this host's name)
   * plus {@code extra} (the bind or advertise address, --tls-san values); 0.0.0.0 and :: are
   * skipped, since nobody connects to them.
   */
  public static List<String> names(Collection<String> extra) {
    Set<String> names = new LinkedHashSet<>(List.of("localhost", "127.0.0.1", "::1"));
    try {
      names.add(InetAddress.getLocalHost().getHostName().toLowerCase());
    } catch (IOException e) {
      // no resolvable host name: the loopback names remain
    }
    for (String n : extra) {
      if (n != null && !n.isBlank() && !n.equals("0.0.0.0") && !n.equals("::")) {
        names.add(n.strip());
      }
    }
    return List.copyOf(names);
  }

  /** The serving certificate in {@code dir}, issued anew when the cached one does not fit. */
  public static TlsIdentity ensure(Path dir, CertificateAuthority ca, List<String> names, Clock clock,
      SecureRandom random) {
    Path certFile = dir.resolve(CERT_FILE);
    Path keyFile = dir.resolve(KEY_FILE);
    try {
      if (Files.exists(certFile) && Files.exists(keyFile)) {
        TlsIdentity cached = new TlsIdentity(Files.readString(certFile), Files.readString(keyFile));
        if (fits(cached.certificate(), ca.certificate(), names, clock)) {
          return cached;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the serving certificate in " + dir + ": " + e.getMessage(), e);
    }
    return issue(dir, ca, names, random);
  }

  /**
   * A new key and serving certificate for {@code names} from {@code ca}, written to {@code dir}
   * (each file replaced at once, 0600): at start when the kept one does not fit, and by the
   * server's certificate rotation while it runs.
   */
  public static TlsIdentity issue(Path dir, CertificateAuthority ca, List<String> names, SecureRandom random) {
    KeyPair keys = CertificateAuthority.newKeyPair(random);
    TlsIdentity issued = TlsIdentity.of(ca.issueServer(names.get(0), keys.getPublic(), names), keys);
    try {
      PrivateFile.write(dir.resolve(KEY_FILE), issued.privateKeyPem());
      PrivateFile.write(dir.resolve(CERT_FILE), issued.certificatePem());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the serving certificate in " + dir + ": " + e.getMessage(), e);
    }
    return issued;
  }

  /**
   * Whether a kept serving certificate can go on serving: {@code ca} issued it, it is valid now
   * with more than {@link #RENEW_BEFORE} left, and its SANs hold every one of {@code names}.
   */
  public static boolean fits(X509Certificate cert, X509Certificate ca, List<String> names, Clock clock) {
    try {
      cert.verify(ca.getPublicKey());
      cert.checkValidity(java.util.Date.from(clock.instant()));
    } catch (java.security.GeneralSecurityException e) {
      return false;
    }
    if (cert.getNotAfter().toInstant().isBefore(clock.instant().plus(RENEW_BEFORE))) {
      return false;
    }
    try {
      Set<String> sans = new LinkedHashSet<>();
      if (cert.getSubjectAlternativeNames() != null) {
        cert.getSubjectAlternativeNames().forEach(san -> sans.add(normalize(String.valueOf(san.get(1)))));
      }
      return names.stream().map(ServingCertificate::normalize).allMatch(sans::contains);
    } catch (CertificateParsingException e) {
      return false;
    }
  }

  /** The JDK prints IPv6 SANs in full ("0:0:0:0:0:0:0:1"); compare addresses by their bytes. */
  private static String normalize(String name) {
    if (CertificateAuthority.isIpLiteral(name)) {
      try {
        return InetAddress.getByName(name).getHostAddress();
      } catch (IOException e) {
        return name;
      }
    }
    return name.toLowerCase();
  }
}
