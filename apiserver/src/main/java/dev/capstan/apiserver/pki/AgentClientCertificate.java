package dev.capstan.apiserver.pki;

import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.List;

/**
 * The client certificate an apiserver presents to node agents when it proxies pods/log,
 * pods/exec and nodes/stats: CN {@value #USER}, no groups, as kubeadm names the
 * kube-apiserver's kubelet client certificate. Each server issues its own from the cluster CA
 * at start, renews it from the CA while it runs and keeps it in memory only. Agents accept callers with this name and nobody else;
 * on the API the name has no rights (no binding names it), so the certificate opens the agents'
 * ports and nothing more.
 */
public final class AgentClientCertificate {
  /** The user name agents accept as the apiserver. */
  public static final String USER = "kube-apiserver-kubelet-client";
  /** Its label in logs and in capstan_certificate_expiration_seconds. */
  public static final String ROTATION_NAME = "apiserver-kubelet-client";

  private AgentClientCertificate() {}

  /** A new key and a client certificate for {@link #USER} from {@code ca}. */
  public static TlsIdentity issue(CertificateAuthority ca) {
    KeyPair keys = CertificateAuthority.newKeyPair(new SecureRandom());
    return TlsIdentity.of(ca.issueClient(new Subject(USER, List.of()), keys.getPublic()), keys);
  }
}
