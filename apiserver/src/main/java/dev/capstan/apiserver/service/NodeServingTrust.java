package dev.capstan.apiserver.service;

import dev.capstan.apiserver.pki.Subject;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * How the apiserver trusts an agent: the JDK's PKIX check against the cluster CA alone
 * (which, with the endpoint identification gRPC turns on, also checks that the certificate
 * names the address dialed and is meant for serving), and then that its subject is the node's
 * own, CN {@code system:node:<node>}: a node that reports another node's address cannot pass
 * for it.
 */
final class NodeServingTrust extends X509ExtendedTrustManager {
  private final X509ExtendedTrustManager ca;
  private final String expectedCommonName;

  NodeServingTrust(X509Certificate caCertificate, String expectedCommonName) {
    this.ca = caTrust(caCertificate);
    this.expectedCommonName = expectedCommonName;
  }

  private static X509ExtendedTrustManager caTrust(X509Certificate caCertificate) {
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      store.setCertificateEntry("cluster-ca", caCertificate);
      TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      f.init(store);
      for (TrustManager tm : f.getTrustManagers()) {
        if (tm instanceof X509ExtendedTrustManager x) {
          return x;
        }
      }
      throw new IllegalStateException("the JDK offers no X509ExtendedTrustManager");
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalStateException("cannot trust the cluster CA: " + e.getMessage(), e);
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    ca.checkServerTrusted(chain, authType, engine);
    checkNode(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    ca.checkServerTrusted(chain, authType, socket);
    checkNode(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    ca.checkServerTrusted(chain, authType);
    checkNode(chain);
  }

  private void checkNode(X509Certificate[] chain) throws CertificateException {
    String cn;
    try {
      cn = Subject.of(chain[0].getSubjectX500Principal()).commonName();
    } catch (IllegalArgumentException e) {
      throw new CertificateException("the agent's certificate has no common name: " + e.getMessage());
    }
    if (!cn.equals(expectedCommonName)) {
      throw new CertificateException("the agent's certificate is for \"" + cn + "\", not \"" + expectedCommonName
          + "\"");
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    throw new CertificateException("the apiserver's agent channels trust servers only");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    checkClientTrusted(chain, authType);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    checkClientTrusted(chain, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return ca.getAcceptedIssuers();
  }
}
