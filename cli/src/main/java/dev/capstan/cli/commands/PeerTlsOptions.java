package dev.capstan.cli.commands;

import dev.capstan.store.ratis.PeerTls;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * etcd's {@code --peer-cert-file}, {@code --peer-key-file} and {@code --peer-trusted-ca-file},
 * shared by the commands that run a store peer: all three turn on mutual TLS on the Raft port
 * (client certificates always required, as etcd's {@code --peer-client-cert-auth}); none leaves
 * it plaintext. The files are checked before the peer starts, so that a wrong one is reported by
 * its flag instead of as a handshake failure on another member.
 */
public final class PeerTlsOptions {
  static final String CERT_FLAG = "--peer-cert-file";
  static final String KEY_FLAG = "--peer-key-file";
  static final String CA_FLAG = "--peer-trusted-ca-file";
  /** The TLS extended key usages a peer's certificate needs: it serves and it calls. */
  private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
  private static final int SAN_DNS = 2;
  private static final int SAN_IP = 7;

  @Option(names = CERT_FLAG, paramLabel = "FILE", description = "this member's certificate (PEM) for the Raft port:"
      + " good for server and client authentication and naming the host of its Raft address"
      + " (capstan certificate peer makes one); with " + KEY_FLAG + " and " + CA_FLAG + " turns on mutual TLS"
      + " between the members (default: plaintext)")
  Path certFile;

  @Option(names = KEY_FLAG, paramLabel = "FILE", description = "the private key of " + CERT_FLAG
      + " (PEM, PKCS#8, EC or RSA)")
  Path keyFile;

  @Option(names = CA_FLAG, paramLabel = "FILE", description = "the CA certificate(s) (PEM) the members' certificates"
      + " are issued by; a member or client whose certificate does not chain to one is refused")
  Path trustedCaFile;

  /**
   * The peer TLS the flags describe, checked against {@code raftHost} (the host of this member's
   * Raft address, which the other members check its certificate for); empty when none is given.
   *
   * @throws CliException naming the flag whose file is missing, unreadable or unfit
   */
  Optional<PeerTls> tls(String raftHost, Clock clock) {
    if (certFile == null && keyFile == null && trustedCaFile == null) {
      return Optional.empty();
    }
    List<String> missing = new ArrayList<>();
    if (certFile == null) {
      missing.add(CERT_FLAG);
    }
    if (keyFile == null) {
      missing.add(KEY_FLAG);
    }
    if (trustedCaFile == null) {
      missing.add(CA_FLAG);
    }
    if (!missing.isEmpty()) {
      throw new CliException(String.join(" and ", missing) + ": required with the other peer TLS flags ("
          + CERT_FLAG + ", " + KEY_FLAG + " and " + CA_FLAG + " go together)");
    }
    PemFlagFiles.PemFile cert = PemFlagFiles.read(CERT_FLAG, certFile);
    X509Certificate certificate = PemFlagFiles.certificates(cert).get(0);
    PrivateKey key = PemFlagFiles.keyOf(certificate, cert, PemFlagFiles.read(KEY_FLAG, keyFile));
    List<X509Certificate> cas = PemFlagFiles.certificates(PemFlagFiles.read(CA_FLAG, trustedCaFile));
    check(certificate, cas, raftHost, clock);
    return Optional.of(new PeerTls(key, certificate, cas));
  }

  private void check(X509Certificate certificate, List<X509Certificate> cas, String raftHost, Clock clock) {
    String cert = CERT_FLAG + ": " + certFile;
    if (cas.stream().noneMatch(ca -> issuedBy(certificate, ca))) {
      throw new CliException(cert + " was not issued by a CA in " + CA_FLAG + " " + trustedCaFile
          + " (the other members would refuse it)");
    }
    Date now = Date.from(clock.instant());
    if (now.after(certificate.getNotAfter()) || now.before(certificate.getNotBefore())) {
      throw new CliException(cert + " is valid only from " + certificate.getNotBefore().toInstant() + " to "
          + certificate.getNotAfter().toInstant() + " (now " + now.toInstant() + ")");
    }
    List<String> usages;
    try {
      usages = certificate.getExtendedKeyUsage();
    } catch (CertificateParsingException e) {
      throw new CliException(cert + ": unreadable extended key usage: " + e.getMessage());
    }
    if (usages != null && !(usages.contains(SERVER_AUTH) && usages.contains(CLIENT_AUTH))) {
      throw new CliException(cert + " must allow both server and client authentication (a member serves its Raft"
          + " port and calls the others); capstan certificate peer issues such certificates");
    }
    if (!names(certificate).contains(normalized(raftHost))) {
      throw new CliException(cert + " does not name " + raftHost + ", the host of this member's Raft address (it"
          + " names " + names(certificate) + "): the other members check it for that name");
    }
  }

  private static boolean issuedBy(X509Certificate certificate, X509Certificate ca) {
    try {
      certificate.verify(ca.getPublicKey());
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** The certificate's DNS and IP subject alternative names, normalized. */
  private static List<String> names(X509Certificate certificate) {
    Collection<List<?>> sans;
    try {
      sans = certificate.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return List.of();
    }
    List<String> names = new ArrayList<>();
    if (sans != null) {
      for (List<?> san : sans) {
        int type = (Integer) san.get(0);
        if (type == SAN_DNS || type == SAN_IP) {
          names.add(normalized((String) san.get(1)));
        }
      }
    }
    return names;
  }

  /** Host names compare case-blind; IP literals by address (so ::1 and 0:0:...:1 agree). */
  private static String normalized(String host) {
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (h.contains(":") || h.matches("[0-9.]+")) {
      try {
        return InetAddress.getByName(h).getHostAddress();  // a literal: no lookup happens
      } catch (java.net.UnknownHostException e) {
        return h;
      }
    }
    return h.toLowerCase(Locale.ROOT);
  }
}
