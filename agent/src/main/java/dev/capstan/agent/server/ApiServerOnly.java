package dev.capstan.agent.server;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.security.auth.x500.X500Principal;

/**
 * Lets through only calls whose TLS client certificate names the apiserver (CN
 * {@code apiserverUser}); the TLS handshake has already required a certificate from the cluster
 * CA. Anyone else (a node, a user with a certificate of their own) ends with PERMISSION_DENIED
 * naming the identity it presented: callers reach pods' logs and exec through the apiserver,
 * which authorizes them, never here directly.
 */
final class ApiServerOnly implements ServerInterceptor {
  private final String apiserverUser;

  ApiServerOnly(String apiserverUser) {
    this.apiserverUser = apiserverUser;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String denial = denial(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
    if (denial != null) {
      call.close(Status.PERMISSION_DENIED.withDescription(denial), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }

  /** Null when the session's client certificate is the apiserver's, else why the caller is refused. */
  private String denial(SSLSession session) {
    if (session == null) {
      return "agent: the call came without TLS; only the apiserver may call the agent";
    }
    Certificate[] chain;
    try {
      chain = session.getPeerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      return "agent: the call presented no client certificate; only the apiserver (\"" + apiserverUser
          + "\") may call the agent";
    }
    X500Principal subject = ((X509Certificate) chain[0]).getSubjectX500Principal();
    List<String> cn = new ArrayList<>();
    List<String> groups = new ArrayList<>();
    try {
      for (Rdn rdn : new LdapName(subject.getName(X500Principal.RFC2253)).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          cn.add(String.valueOf(rdn.getValue()));
        } else if (rdn.getType().equalsIgnoreCase("O")) {
          groups.add(String.valueOf(rdn.getValue()));
        }
      }
    } catch (InvalidNameException e) {
      return "agent: cannot read the client certificate's subject \"" + subject + "\"";
    }
    if (cn.size() == 1 && cn.get(0).equals(apiserverUser)) {
      return null;
    }
    return "agent: User \"" + String.join(",", cn) + "\" (groups " + groups + ") may not call the agent: only the"
        + " apiserver (\"" + apiserverUser + "\") may; reach pods/log, pods/exec and nodes/stats through the apiserver";
  }
}
