package dev.capstan.cli.commands;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import javax.net.ssl.SSLException;

/**
 * Says why a call to an etcd member's client port failed (a store command's, or a server's to its
 * external etcd), in the terms of the caller's flags: a TLS port dialed in plaintext, a member
 * that wants a client certificate, a certificate from another CA. gRPC alone reports these as
 * "Network closed for unknown reason" or "ssl exception".
 */
final class StoreCallFailure {
  private StoreCallFailure() {}

  /**
   * The flags a caller dials etcd members with, as its messages name them.
   *
   * @param ca the CA to verify members by (giving it turns TLS on)
   * @param cert the client certificate
   * @param key its key
   * @param dialTls how to dial a member with TLS instead of plaintext
   * @param dialPlaintext how to dial a member in plaintext instead of TLS
   */
  record DialFlags(String ca, String cert, String key, String dialTls, String dialPlaintext) {}

  /**
   * @param tls whether the member was dialed with TLS ({@code flags.ca()})
   * @param clientCertificate whether a client certificate was presented ({@code flags.cert()})
   */
  static String describe(StatusRuntimeException e, boolean tls, boolean clientCertificate, DialFlags flags) {
    Status status = e.getStatus();
    String description = status.getDescription() == null ? status.getCode().toString() : status.getDescription();
    if (status.getCode() != Status.Code.UNAVAILABLE) {
      return description;
    }
    if (!tls) {
      // A TLS server answers a plaintext HTTP/2 preface by closing the connection.
      return description.contains("Network closed") ? description + " (if the member serves TLS, "
          + flags.dialTls() + ")" : description;
    }
    SSLException handshake = sslCause(status.getCause());
    if (handshake == null) {
      return description;
    }
    // The JDK's and BoringSSL's words for the same alerts differ; the whole chain is searched.
    StringBuilder chain = new StringBuilder();
    for (Throwable c = handshake; c != null; c = c.getCause()) {
      chain.append(c.getMessage()).append('\n');
    }
    String text = chain.toString().toLowerCase(java.util.Locale.ROOT);
    // TLS 1.3 servers say certificate_required; Go's TLS 1.2 (etcd 3.4's) says bad_certificate, which,
    // with no certificate presented, can only be about the missing one.
    if (text.contains("certificate_required") || (!clientCertificate && text.contains("bad_certificate"))) {
      return "TLS handshake refused: the member requires a client certificate (give " + flags.cert()
          + " and " + flags.key() + ")";
    }
    if (text.contains("pkix") || text.contains("certification path") || text.contains("does not chain")) {
      return "TLS handshake failed: the member's certificate is not issued by the CA in " + flags.ca();
    }
    if (clientCertificate && (text.contains("unknown_ca") || text.contains("bad_certificate")
        || text.contains("certificate_unknown") || text.contains("internal_error"))) {
      return "TLS handshake refused by the member (" + handshake.getMessage() + "): is the certificate of "
          + flags.cert() + " issued by the CA the member trusts (its --trusted-ca-file)?";
    }
    if (text.contains("not an ssl/tls record") || text.contains("wrong_version_number")) {
      return "TLS handshake failed: the member speaks plaintext (" + flags.dialPlaintext() + ")";
    }
    return "TLS handshake failed: " + handshake.getMessage();
  }

  private static SSLException sslCause(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof SSLException ssl) {
        return ssl;
      }
    }
    return null;
  }
}
