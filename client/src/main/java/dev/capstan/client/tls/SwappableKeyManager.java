package dev.capstan.client.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A key manager whose one identity can be replaced while servers and channels built on it keep
 * running: TLS engines (the JDK's and Netty's OpenSSL/BoringSSL one alike) ask the key manager at
 * every handshake, so connections opened after {@link #swap} present the new certificate while
 * open connections keep the session they negotiated.
 *
 * <p>Each certificate gets its own alias (from its serial number), and the previous identity is
 * kept too, so a handshake that chose an alias just before a swap still gets a matching
 * certificate and key, never the old certificate with the new key.
 */
public final class SwappableKeyManager extends X509ExtendedKeyManager {
  private static final String ALIAS_PREFIX = "capstan-";

  /** The current and the previous identity, replaced together. */
  private record Identities(CertifiedKey current, CertifiedKey previous) {}

  private volatile Identities identities;

  public SwappableKeyManager(CertifiedKey initial) {
    identities = new Identities(Objects.requireNonNull(initial, "initial"), null);
  }

  /** Presents {@code next} from the next handshake on. */
  public synchronized void swap(CertifiedKey next) {
    identities = new Identities(Objects.requireNonNull(next, "next"), identities.current());
  }

  public CertifiedKey current() {
    return identities.current();
  }

  private static String alias(CertifiedKey k) {
    return ALIAS_PREFIX + k.serialHex();
  }

  private CertifiedKey byAlias(String alias) {
    Identities ids = identities;
    if (alias == null) {
      return null;
    }
    if (alias.equals(alias(ids.current()))) {
      return ids.current();
    }
    return ids.previous() != null && alias.equals(alias(ids.previous())) ? ids.previous() : null;
  }

  /**
   * The current alias when the key fits {@code keyType}: OpenSSL asks by "EC", "RSA" or
   * "EC_EC"-style types (key, then signer), the JDK by the key's algorithm.
   */
  private String aliasFor(String keyType) {
    CertifiedKey k = identities.current();
    String algorithm = k.key().getAlgorithm();
    return keyType == null || keyType.equals(algorithm) || keyType.startsWith(algorithm + "_") ? alias(k) : null;
  }

  private String aliasFor(String[] keyTypes) {
    if (keyTypes == null) {
      return aliasFor((String) null);
    }
    for (String t : keyTypes) {
      String a = aliasFor(t);
      if (a != null) {
        return a;
      }
    }
    return null;
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    String a = aliasFor(keyType);
    return a == null ? null : new String[] {a};
  }

  @Override
  public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
    return aliasFor(keyTypes);
  }

  @Override
  public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
    return aliasFor(keyTypes);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return getClientAliases(keyType, issuers);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return aliasFor(keyType);
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return aliasFor(keyType);
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    CertifiedKey k = byAlias(alias);
    return k == null ? null : new X509Certificate[] {k.certificate()};
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    CertifiedKey k = byAlias(alias);
    return k == null ? null : k.key();
  }

  @Override
  public String toString() {
    return "SwappableKeyManager[" + identities.current() + "]";
  }
}
