package dev.capstan.apiserver.pki;

import dev.capstan.store.KeyValueStore;
import java.security.SecureRandom;
import java.time.Clock;

/**
 * The one CA of a cluster, a {@link ClusterSecret} under {@link #KEY} (its certificate and
 * private key as PEM): the first server to start creates it, every other server, and the same one
 * after a restart, loads it. Whoever can read the store (its etcd endpoint, its data dir) can read
 * the CA's key.
 */
public final class ClusterCa {
  public static final String KEY = "/capstan/pki/ca";
  public static final String COMMON_NAME = "capstan-ca";

  private ClusterCa() {}

  /**
   * Loads the cluster's CA, creating it first when the store has none. Store errors (no leader
   * yet, say) propagate, for the caller to retry.
   */
  public static CertificateAuthority loadOrCreate(KeyValueStore store, Clock clock, SecureRandom random) {
    String pem = ClusterSecret.loadOrCreate(store, KEY,
        () -> CertificateAuthority.create(COMMON_NAME, clock, random).toPem());
    return CertificateAuthority.fromPem(pem, clock, random);
  }
}
