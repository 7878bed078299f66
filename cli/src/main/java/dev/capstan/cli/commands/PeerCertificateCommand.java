package dev.capstan.cli.commands;

import dev.capstan.apiserver.pki.CertificateAuthority;
import dev.capstan.apiserver.pki.PeerCertificates;
import dev.capstan.store.ratis.PeerAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code capstan certificate peer NAME --host HOST --dir DIR}: a store member's certificate for
 * mutual TLS on the Raft port, from a peer CA kept in {@code DIR} ({@code ca.crt}, {@code ca.key};
 * made on first use). Offline, like kubeadm's etcd certificates: the Raft port must be secured
 * before the store exists, so its CA cannot live in the store as the cluster CA does. The
 * certificate is good for server and client authentication and names each {@code --host}; it is
 * written with its new key as {@code DIR/NAME.crt} and {@code DIR/NAME.key} (mode 0600), replacing
 * older ones (how a member's certificate is renewed before it expires).
 */
@Command(name = "peer", description = "Issue a store member a certificate for mutual TLS between the members"
    + " (offline, from a peer CA kept in --dir).")
public final class PeerCertificateCommand implements Callable<Integer> {
  @Parameters(paramLabel = "NAME", description = "the member's name, as in --initial-cluster (the certificate's CN)")
  String name;

  @Option(names = "--host", required = true, split = ",", description = "a host name or IP address other members"
      + " reach this one at (its --initial-cluster entry's host); repeat for several")
  List<String> hosts = new ArrayList<>();

  @Option(names = "--dir", required = true, description = "where the peer CA is kept (made if missing) and the"
      + " certificate and key are written")
  Path dir;

  @Override
  public Integer call() {
    try {
      PeerAddress.requireValidId(name, "NAME");
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage());
    }
    for (String host : hosts) {
      if (host.isBlank() || host.contains("/") || host.contains(" ")) {
        throw new CliException("--host: expected a host name or IP address, got \"" + host + "\"");
      }
    }
    SecureRandom random = new SecureRandom();
    boolean madeCa = !Files.exists(dir.resolve(PeerCertificates.CA_CERTIFICATE));
    CertificateAuthority ca;
    try {
      ca = PeerCertificates.loadOrCreateCa(dir, Clock.systemUTC(), random);
    } catch (IllegalArgumentException e) {
      throw new CliException("--dir: " + e.getMessage());
    }
    if (madeCa) {
      System.out.println("made the peer CA " + dir.resolve(PeerCertificates.CA_CERTIFICATE).toAbsolutePath() + " (keep "
          + PeerCertificates.CA_KEY + " safe: whoever holds it can join the store)");
    }
    X509Certificate certificate = PeerCertificates.issue(dir, ca, name, hosts, random).certificate();
    System.out.println("peer certificate for " + name + " (" + String.join(", ", hosts) + "), valid until "
        + certificate.getNotAfter().toInstant() + ":");
    System.out.println("  " + PeerTlsOptions.CERT_FLAG + " " + PeerCertificates.certificateFile(dir, name).toAbsolutePath()
        + " " + PeerTlsOptions.KEY_FLAG + " " + PeerCertificates.keyFile(dir, name).toAbsolutePath() + " "
        + PeerTlsOptions.CA_FLAG + " " + dir.resolve(PeerCertificates.CA_CERTIFICATE).toAbsolutePath());
    return 0;
  }
}
