package dev.capstan.apiserver.pki;

import java.security.KeyPair;
import java.security.cert.X509Certificate;

/** A certificate and its private key, both PEM: what a TLS server or a TLS client presents. */
public record TlsIdentity(String certificatePem, String privateKeyPem) {
  public static TlsIdentity of(X509Certificate certificate, KeyPair keys) {
    return new TlsIdentity(Pem.certificate(certificate), Pem.privateKey(keys.getPrivate()));
  }

  public X509Certificate certificate() {
    return Pem.certificateOf(certificatePem);
  }

  @Override
  public String toString() {
    return "TlsIdentity[" + certificate().getSubjectX500Principal() + ", key=***]";
  }
}
