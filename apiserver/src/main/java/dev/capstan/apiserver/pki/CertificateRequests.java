package dev.capstan.apiserver.pki;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.List;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * PKCS#10 certificate signing requests: a node makes one for its own key, the apiserver reads
 * it back and checks that it was signed with that key (proof that the caller holds it).
 */
public final class CertificateRequests {
  /** A request read and verified: who it asks to be, and the key to certify. */
  public record Verified(Subject subject, PublicKey publicKey) {}

  private CertificateRequests() {}

  /** A PEM request for {@code subject}, signed with {@code keys}' private key. */
  public static String create(Subject subject, KeyPair keys) {
    try {
      var request = new JcaPKCS10CertificationRequestBuilder(subject.toX500Name(), keys.getPublic())
          .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
      return Pem.encode(Pem.CERTIFICATE_REQUEST, request.getEncoded());
    } catch (OperatorCreationException | IOException e) {
      throw new IllegalStateException("cannot make a certificate request for " + subject + ": " + e.getMessage(), e);
    }
  }

  /** Reads a PEM request; a malformed one, or one its key did not sign, is an IllegalArgumentException. */
  public static Verified verify(String pem) {
    List<byte[]> blocks = Pem.blocks(pem, Pem.CERTIFICATE_REQUEST);
    if (blocks.size() != 1) {
      throw new IllegalArgumentException("expected one \"BEGIN " + Pem.CERTIFICATE_REQUEST + "\" block, found "
          + blocks.size());
    }
    try {
      JcaPKCS10CertificationRequest request = new JcaPKCS10CertificationRequest(blocks.get(0));
      PublicKey key = request.getPublicKey();
      if (!request.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key))) {
        throw new IllegalArgumentException("the request's signature does not verify with its own public key");
      }
      return new Verified(Subject.of(request.getSubject()), key);
    } catch (IOException | RuntimeException | GeneralSecurityException | OperatorCreationException | PKCSException e) {
      if (e instanceof IllegalArgumentException iae) {
        throw iae;
      }
      throw new IllegalArgumentException("not a valid PKCS#10 request: " + e.getMessage(), e);
    }
  }
}
