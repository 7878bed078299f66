package dev.capstan.apiserver.authn;

import com.google.protobuf.ByteString;
import dev.capstan.etcd.etcdserverpb.Compare;
import dev.capstan.etcd.etcdserverpb.PutRequest;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.etcd.etcdserverpb.RequestOp;
import dev.capstan.etcd.etcdserverpb.TxnRequest;
import dev.capstan.etcd.etcdserverpb.TxnResponse;
import dev.capstan.store.KeyValueStore;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cluster's one key pair for signing ServiceAccount tokens (EC P-256, ES256), kept in the
 * store under {@link #STORE_KEY} as PEM (a PKCS#8 private key, then the X.509 public key). Every
 * server of a cluster shares the store, so the first one to start makes the pair with a
 * create-if-absent transaction and every other one, and every restart, loads that same pair: a
 * token signed by one server is accepted by all of them.
 */
public final class ServiceAccountKey {
  /** Outside {@code /registry/}: no API kind lists it, and no API call can read it. */
  public static final String STORE_KEY = "/capstan/pki/service-account-key";
  private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)-----END \\1-----");

  private ServiceAccountKey() {}

  /** The cluster's pair: the stored one, or a new one stored now if there is none. */
  public static KeyPair loadOrCreate(KeyValueStore store) {
    ByteString key = ByteString.copyFromUtf8(STORE_KEY);
    KeyPair fresh = generate();
    TxnResponse r = await(store.txn(TxnRequest.newBuilder()
        .addCompare(Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.CREATE)
            .setResult(Compare.CompareResult.EQUAL).setCreateRevision(0))
        .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(key)
            .setValue(ByteString.copyFromUtf8(toPem(fresh)))))
        .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(key)))
        .build()));
    if (r.getSucceeded()) {
      return fresh;
    }
    return fromPem(r.getResponses(0).getResponseRange().getKvs(0).getValue().toString(StandardCharsets.UTF_8));
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
    return block("PRIVATE KEY", pair.getPrivate().getEncoded()) + block("PUBLIC KEY", pair.getPublic().getEncoded());
  }

  static KeyPair fromPem(String pem) {
    byte[] privateKey = null;
    byte[] publicKey = null;
    Matcher m = PEM.matcher(pem);
    while (m.find()) {
      byte[] der = Base64.getMimeDecoder().decode(m.group(2));
      if (m.group(1).equals("PRIVATE KEY")) {
        privateKey = der;
      } else if (m.group(1).equals("PUBLIC KEY")) {
        publicKey = der;
      }
    }
    if (privateKey == null || publicKey == null) {
      throw new IllegalStateException(STORE_KEY + " in the store does not hold a PRIVATE KEY and a PUBLIC KEY");
    }
    try {
      KeyFactory f = KeyFactory.getInstance("EC");
      return new KeyPair(f.generatePublic(new X509EncodedKeySpec(publicKey)),
          f.generatePrivate(new PKCS8EncodedKeySpec(privateKey)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(STORE_KEY + " in the store is not an EC key pair: " + e.getMessage(), e);
    }
  }

  private static String block(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  private static <R> R await(java.util.concurrent.CompletableFuture<R> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while loading the service-account key", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
    }
  }
}
