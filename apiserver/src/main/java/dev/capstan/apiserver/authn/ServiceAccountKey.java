package dev.capstan.apiserver.authn;

import dev.capstan.apiserver.pki.ClusterSecret;
import dev.capstan.apiserver.pki.Pem;
import dev.capstan.store.KeyValueStore;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;

/**
 * The cluster's one key pair for signing ServiceAccount tokens (EC P-256, ES256), a
 * {@link ClusterSecret} under {@link #STORE_KEY} (PEM: a PKCS#8 private key, then the X.509 public
 * key). The first server to start makes the pair; every other one, and every restart, loads that
 * same pair: a token signed by one server is accepted by all of them.
 */
public final class ServiceAccountKey {
  /** Outside {@code /registry/}: no API kind lists it, and no API call can read it. */
  public static final String STORE_KEY = "/capstan/pki/service-account-key";

  private ServiceAccountKey() {}

  /** The cluster's pair: the stored one, or a new one stored now if there is none. */
  public static KeyPair loadOrCreate(KeyValueStore store) {
    return fromPem(ClusterSecret.loadOrCreate(store, STORE_KEY, () -> toPem(generate())));
  }

  public static KeyPair generate() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot make EC P-256 keys", e);
    }
  }

  static String toPem(KeyPair pair) {
    return Pem.privateKey(pair.getPrivate()) + Pem.publicKey(pair.getPublic());
  }

  static KeyPair fromPem(String pem) {
    try {
      return new KeyPair(Pem.publicKeyOf(pem), Pem.privateKeyOf(pem));
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(STORE_KEY + " in the store is not an EC key pair in PEM: " + e.getMessage(), e);
    }
  }
}
