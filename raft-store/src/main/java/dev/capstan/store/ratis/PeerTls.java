package dev.capstan.store.ratis;

import dev.capstan.store.ratis.transport.TransportTls;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * Mutual TLS on a store peer's Raft port, as etcd's {@code --peer-cert-file},
 * {@code --peer-key-file} and {@code --peer-trusted-ca-file} with {@code --peer-client-cert-auth}:
 * the peer serves with {@code certificate} and presents it when it calls another peer, and it
 * accepts only peers (and Raft clients) whose certificate chains to one of {@code trustedCas}.
 * A peer's certificate must therefore be good for both server and client authentication and
 * name the host of its Raft address (the other peers check it as a server's name).
 *
 * <p>Every Ratis connection of the peer takes it: the Raft server, the log appenders' and
 * elections' calls to other peers, and the Raft clients the store uses to reach its leader and
 * change membership.
 */
public record PeerTls(PrivateKey key, X509Certificate certificate, List<X509Certificate> trustedCas) {

  public PeerTls {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(certificate, "certificate");
    trustedCas = List.copyOf(trustedCas);
    if (trustedCas.isEmpty()) {
      throw new IllegalArgumentException("trustedCas: at least one CA certificate is required");
    }
  }

  /** The Raft transport's TLS contexts for this key, certificate and CAs (parses them: build once). */
  TransportTls transportTls() {
    return new TransportTls(key, certificate, trustedCas);
  }

  @Override
  public String toString() {
    return "PeerTls[" + certificate.getSubjectX500Principal() + ", trusting " + trustedCas.size() + " CA(s)]";
  }
}
