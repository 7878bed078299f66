package dev.capstan.apiserver.authn;

import dev.capstan.apiserver.pki.CertificateAuthority;
import dev.capstan.apiserver.pki.Subject;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Resolves a TLS client certificate to a user, as Kubernetes does: the subject's common name is
 * the user name, each organization a group, and {@code system:authenticated} is added. Only a
 * certificate the cluster CA issued, valid now and meant for client authentication, counts: the
 * TLS handshake already checked the chain, and this check does not depend on how it was set up.
 */
public final class CertificateAuthenticator {
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

  private final CertificateAuthority ca;

  public CertificateAuthenticator(CertificateAuthority ca) {
    this.ca = ca;
  }

  /** The user of a peer's certificate chain (the leaf first), or empty when it does not authenticate anyone. */
  public Optional<UserInfo> authenticate(List<X509Certificate> chain) {
    if (chain.isEmpty()) {
      return Optional.empty();
    }
    X509Certificate leaf = chain.get(0);
    if (!ca.issuedAndValid(leaf) || !forClients(leaf)) {
      return Optional.empty();
    }
    Subject subject;
    try {
      subject = Subject.of(leaf.getSubjectX500Principal());
    } catch (IllegalArgumentException noCommonName) {
      return Optional.empty();
    }
    List<String> groups = new ArrayList<>(subject.organizations());
    if (!groups.contains(UserInfo.SYSTEM_AUTHENTICATED)) {
      groups.add(UserInfo.SYSTEM_AUTHENTICATED);
    }
    return Optional.of(new UserInfo(subject.commonName(), "", groups));
  }

  private static boolean forClients(X509Certificate cert) {
    try {
      List<String> usages = cert.getExtendedKeyUsage();
      return usages != null && usages.contains(CLIENT_AUTH);
    } catch (CertificateParsingException e) {
      return false;
    }
  }
}
