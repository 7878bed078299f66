package dev.capstan.apiserver.pki;

import java.math.BigInteger;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The cluster's certificate authority: a self-signed ECDSA P-256 certificate and its key, which
 * issue the servers' serving certificates and users' and nodes' client certificates. Signing and
 * keys use the JDK's own providers (BouncyCastle only builds the certificates), so the shaded
 * binary needs no signed provider jar.
 */
public final class CertificateAuthority {
  public static final Duration CA_VALIDITY = Duration.ofDays(3650);
  public static final Duration LEAF_VALIDITY = Duration.ofDays(365);
  private static final String SIGNATURE = "SHA256withECDSA";
  /** Issued certificates start a little in the past, so a peer whose clock is behind accepts them. */
  private static final Duration BACKDATE = Duration.ofMinutes(5);

  /** What an issued certificate is for. */
  public enum Usage { SERVER, CLIENT, PEER }

  private final X509Certificate certificate;
  private final PrivateKey key;
  private final Clock clock;
  private final SecureRandom random;

  private CertificateAuthority(X509Certificate certificate, PrivateKey key, Clock clock, SecureRandom random) {
    this.certificate = certificate;
    this.key = key;
    this.clock = clock;
    this.random = random;
  }

  /** A new self-signed CA named {@code commonName}. */
  public static CertificateAuthority create(String commonName, Clock clock, SecureRandom random) {
    KeyPair pair = newKeyPair(random);
    Subject subject = new Subject(commonName, List.of());
    Instant now = clock.instant();
    try {
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject.toX500Name(), serial(random),
          Date.from(now.minus(BACKDATE)), Date.from(now.plus(CA_VALIDITY)), subject.toX500Name(), pair.getPublic());
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign
          | KeyUsage.digitalSignature));
      b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
      return new CertificateAuthority(sign(b, pair.getPrivate()), pair.getPrivate(), clock, random);
    } catch (GeneralSecurityException | CertIOException e) {
      throw new IllegalStateException("cannot create the cluster CA: " + e.getMessage(), e);
    }
  }

  /** The CA from the PEM text {@link #toPem()} wrote: its certificate and its private key. */
  public static CertificateAuthority fromPem(String pem, Clock clock, SecureRandom random) {
    X509Certificate cert = Pem.certificateOf(pem);
    PrivateKey key = Pem.privateKeyOf(pem);
    return new CertificateAuthority(cert, key, clock, random);
  }

  /** The certificate and the key, for keeping the CA; secret. */
  public String toPem() {
    return Pem.certificate(certificate) + Pem.privateKey(key);
  }

  public X509Certificate certificate() {
    return certificate;
  }

  public String certificatePem() {
    return Pem.certificate(certificate);
  }

  /** A fresh ECDSA P-256 key pair. */
  public static KeyPair newKeyPair(SecureRandom random) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), random);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot make EC P-256 keys", e);
    }
  }

  /** A client certificate for {@code subject} (CN = user, O = groups) on {@code publicKey}. */
  public X509Certificate issueClient(Subject subject, PublicKey publicKey) {
    return issue(subject, publicKey, Usage.CLIENT, List.of());
  }

  /**
   * A serving certificate on {@code publicKey} valid for {@code names}: host names become DNS
   * SANs, IP literals IP SANs.
   */
  public X509Certificate issueServer(String commonName, PublicKey publicKey, Collection<String> names) {
    return issueServer(new Subject(commonName, List.of()), publicKey, names);
  }

  /** As above, for a full subject (a node's agent: CN system:node:NAME, O system:nodes). */
  public X509Certificate issueServer(Subject subject, PublicKey publicKey, Collection<String> names) {
    return issue(subject, publicKey, Usage.SERVER, names);
  }

  /**
   * A store peer's certificate on {@code publicKey}, good for serving its Raft port and for
   * calling the other peers (server and client authentication), valid for {@code names}.
   */
  public X509Certificate issuePeer(String commonName, PublicKey publicKey, Collection<String> names) {
    return issue(new Subject(commonName, List.of()), publicKey, Usage.PEER, names);
  }

  private X509Certificate issue(Subject subject, PublicKey publicKey, Usage usage, Collection<String> names) {
    Instant now = clock.instant();
    Instant notAfter = now.plus(LEAF_VALIDITY);
    if (notAfter.isAfter(certificate.getNotAfter().toInstant())) {
      notAfter = certificate.getNotAfter().toInstant();  // never outlive the CA
    }
    try {
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(certificate, serial(random),
          Date.from(now.minus(BACKDATE)), Date.from(notAfter), subject.toX500Name(), publicKey);
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(switch (usage) {
        case SERVER -> new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth};
        case CLIENT -> new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth};
        case PEER -> new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth};
      }));
      b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(certificate));
      if (!names.isEmpty()) {
        b.addExtension(Extension.subjectAlternativeName, false, generalNames(names));
      }
      return sign(b, key);
    } catch (GeneralSecurityException | CertIOException e) {
      throw new IllegalStateException("cannot issue a certificate for " + subject + ": " + e.getMessage(), e);
    }
  }

  /**
   * Whether this CA issued {@code cert} (its signature verifies with the CA's key) and it is
   * valid now.
   */
  public boolean issuedAndValid(X509Certificate cert) {
    try {
      cert.verify(certificate.getPublicKey());
      cert.checkValidity(Date.from(clock.instant()));
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** {@code names} as subject alternative names: IP literals as IP addresses, the rest as DNS names. */
  static GeneralNames generalNames(Collection<String> names) {
    List<GeneralName> sans = new ArrayList<>();
    for (String n : names) {
      sans.add(isIpLiteral(n) ? new GeneralName(GeneralName.iPAddress, n) : new GeneralName(GeneralName.dNSName, n));
    }
    return new GeneralNames(sans.toArray(GeneralName[]::new));
  }

  static boolean isIpLiteral(String name) {
    if (name.contains(":")) {
      return true;  // host names never contain a colon; IPv6 literals always do
    }
    if (!name.matches("[0-9.]+")) {
      return false;
    }
    try {
      return InetAddress.getByName(name) != null;  // a literal: no lookup happens
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  private static BigInteger serial(SecureRandom random) {
    return new BigInteger(127, random).add(BigInteger.ONE);  // positive, at most 16 bytes (RFC 5280)
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signer) throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(SIGNATURE).build(signer)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }
}
