package dev.capstan.apiserver.pki;

import java.io.IOException;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequestBuilder;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * PKCS#10 certificate signing requests: a node makes one for its own key, the apiserver reads
 * it back and checks that it was signed with that key (proof that the caller holds it). A
 * request for a serving certificate lists the names to serve in a subjectAltName extension
 * (DNS names and IP addresses only).
 */
public final class CertificateRequests {
  /**
   * A request read and verified: who it asks to be, the key to certify and the subject
   * alternative names it asks for (IP addresses in their usual text form; empty for none).
   */
  public record Verified(Subject subject, PublicKey publicKey, List<String> names) {
    public Verified {
      names = List.copyOf(names);
    }
  }

  private CertificateRequests() {}

  /** A PEM request for {@code subject}, signed with {@code keys}' private key. */
  public static String create(Subject subject, KeyPair keys) {
    return create(subject, keys, List.of());
  }

  /** As above, asking also for {@code names}: host names as DNS SANs, IP literals as IP SANs. */
  public static String create(Subject subject, KeyPair keys, List<String> names) {
    try {
      PKCS10CertificationRequestBuilder b = new JcaPKCS10CertificationRequestBuilder(subject.toX500Name(),
          keys.getPublic());
      if (!names.isEmpty()) {
        ExtensionsGenerator ext = new ExtensionsGenerator();
        ext.addExtension(Extension.subjectAlternativeName, false, CertificateAuthority.generalNames(names));
        b.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, ext.generate());
      }
      var request = b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
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
      return new Verified(Subject.of(request.getSubject()), key, names(request.getRequestedExtensions()));
    } catch (IOException | RuntimeException | GeneralSecurityException | OperatorCreationException | PKCSException e) {
      if (e instanceof IllegalArgumentException iae) {
        throw iae;
      }
      throw new IllegalArgumentException("not a valid PKCS#10 request: " + e.getMessage(), e);
    }
  }

  /** The DNS and IP subject alternative names requested; any other kind of name is refused. */
  private static List<String> names(Extensions requested) throws IOException {
    GeneralNames sans = requested == null ? null : GeneralNames.fromExtensions(requested, Extension.subjectAlternativeName);
    List<String> names = new ArrayList<>();
    if (sans == null) {
      return names;
    }
    for (GeneralName n : sans.getNames()) {
      if (n.getTagNo() == GeneralName.dNSName) {
        names.add(DERIA5String.getInstance(n.getName()).getString());
      } else if (n.getTagNo() == GeneralName.iPAddress) {
        names.add(InetAddress.getByAddress(ASN1OctetString.getInstance(n.getName()).getOctets()).getHostAddress());
      } else {
        throw new IllegalArgumentException("subjectAltName: only DNS names and IP addresses may be asked for, got a"
            + " name of type " + n.getTagNo());
      }
    }
    return names;
  }
}
