package dev.capstan.cli.commands;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import javax.net.ssl.SSLException;

/**
 * Says why a call of a store command to a member's etcd endpoint failed, in the terms of the
 * command's flags: a TLS port dialed in plaintext, a member that wants a client certificate, a
 * certificate from another CA. gRPC alone reports these as "Network closed for unknown reason"
 * or "ssl exception".
 */
final class StoreCallFailure {
  private StoreCallFailure() {}

  /**
   * @param tls whether the member was dialed with TLS ({@code --cacert})
   * @param clientCertificate whether a client certificate was presented ({@code --cert})
   */
  static String describe(StatusRuntimeException e, boolean tls, boolean clientCertificate) {
    Status status = e.getStatus();
    String description = status.getDescription() == null ? status.getCode().toString() : status.getDescription();
    if (status.getCode() != Status.Code.UNAVAILABLE) {
      return description;
    }
    if (!tls) {
      // A TLS server answers a plaintext HTTP/2 preface by closing the connection.
      return description.contains("Network closed") ? description + " (if the member serves TLS, dial https://HOST:PORT"
          + " with " + StoreClientTlsOptions.CA_FLAG + ")" : description;
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
    if (text.contains("certificate_required")) {
      return "TLS handshake refused: the member requires a client certificate (give " + StoreClientTlsOptions.CERT_FLAG
          + " and " + StoreClientTlsOptions.KEY_FLAG + ")";
    }
    if (text.contains("pkix") || text.contains("certification path") || text.contains("does not chain")) {
      return "TLS handshake failed: the member's certificate is not issued by the CA in " + StoreClientTlsOptions.CA_FLAG;
    }
    if (clientCertificate && (text.contains("unknown_ca") || text.contains("bad_certificate")
        || text.contains("certificate_unknown") || text.contains("internal_error"))) {
      return "TLS handshake refused by the member (" + handshake.getMessage() + "): is the certificate of "
          + StoreClientTlsOptions.CERT_FLAG + " issued by the CA the member trusts (its --trusted-ca-file)?";
    }
    if (text.contains("not an ssl/tls record") || text.contains("wrong_version_number")) {
      return "TLS handshake failed: the member speaks plaintext (dial it as HOST:PORT without "
          + StoreClientTlsOptions.CA_FLAG + ")";
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
