package dev.capstan.apiserver.pki;

import dev.capstan.client.tls.CertifiedKey;
import java.security.KeyPair;
import java.security.cert.X509Certificate;

/** A certificate and its private key, both PEM: what a TLS server or a TLS client presents. */
public record TlsIdentity(String certificatePem, String privateKeyPem) {
  public static TlsIdentity of(X509Certificate certificate, KeyPair keys) {
    return new TlsIdentity(Pem.certificate(certificate), Pem.privateKey(keys.getPrivate()));
  }

  public static TlsIdentity of(CertifiedKey k) {
    return new TlsIdentity(Pem.certificate(k.certificate()), Pem.privateKey(k.key()));
  }

  /** Parsed, for a {@link dev.capstan.client.tls.SwappableKeyManager}. */
  public CertifiedKey certifiedKey() {
    return new CertifiedKey(certificate(), Pem.privateKeyOf(privateKeyPem));
  }

  public X509Certificate certificate() {
    return Pem.certificateOf(certificatePem);
  }

  @Override
  public String toString() {
    return "TlsIdentity[" + certificate().getSubjectX500Principal() + ", key=***]";
  }
}
