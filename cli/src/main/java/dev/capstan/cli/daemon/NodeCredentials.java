package dev.capstan.cli.daemon;

import com.google.protobuf.ByteString;
import dev.capstan.api.certificates.v1.CertificateSigningGrpc;
import dev.capstan.api.certificates.v1.CertificateSigningRequest;
import dev.capstan.api.certificates.v1.CertificateSigningResponse;
import dev.capstan.agent.server.AgentTls;
import dev.capstan.apiserver.authn.UserInfo;
import dev.capstan.apiserver.pki.AgentClientCertificate;
import dev.capstan.apiserver.pki.CertificateAuthority;
import dev.capstan.apiserver.pki.CertificateRequests;
import dev.capstan.apiserver.pki.CertificateSigningService;
import dev.capstan.apiserver.pki.Pem;
import dev.capstan.apiserver.pki.PrivateFile;
import dev.capstan.apiserver.pki.ServingCertificate;
import dev.capstan.apiserver.pki.Subject;
import dev.capstan.apiserver.pki.TlsIdentity;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.ClientTls;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node agent's identity: a client certificate (CN {@code system:node:<node>}, O
 * {@code system:nodes}) and its key, kept in {@code <agent data dir>/pki} with the cluster CA's
 * certificate. On the first start the agent makes a key, and asks the apiserver to sign a
 * request for it (CertificateSigning) with its bootstrap token; from then on it authenticates
 * with the certificate alone, and asks for a new one with it when less than
 * {@link ServingCertificate#RENEW_BEFORE} is left. The serving certificate of its own port
 * ({@code serving.crt}, {@code serving.key}; same subject, for the node's names and addresses)
 * it asks for with its client certificate, as a kubelet does from the kubelet-serving signer.
 */
public final class NodeCredentials {
  private static final Logger log = LoggerFactory.getLogger(NodeCredentials.class);
  static final String CERT_FILE = "node.crt";
  static final String KEY_FILE = "node.key";
  static final String CA_FILE = "ca.crt";
  static final String SERVING_CERT_FILE = "serving.crt";
  static final String SERVING_KEY_FILE = "serving.key";

  private NodeCredentials() {}

  /**
   * TLS for the agent's client: the certificate kept in {@code dir} when it fits this node and
   * the CA, else a new one the apiserver at {@code server} signs.
   *
   * @param caPem the cluster CA's certificate (--certificate-authority), or null to use the kept one
   * @param token the bootstrap (or node) token to ask with, or null when the agent has a certificate
   */
  public static ClientTls ensure(Path dir, String node, String server, String caPem, String token, Clock clock) {
    try {
      Path caFile = dir.resolve(CA_FILE);
      String ca = caPem != null ? caPem : Files.exists(caFile) ? Files.readString(caFile) : null;
      if (ca == null) {
        throw new IllegalArgumentException("--certificate-authority: required on the first start (the cluster CA's"
            + " certificate, in a server's <data-dir>/pki/ca.crt), to verify the API server with");
      }
      X509Certificate caCert = Pem.certificateOf(ca);
      Subject subject = new Subject(UserInfo.NODE_USER_PREFIX + node, List.of(UserInfo.SYSTEM_NODES));
      Path certFile = dir.resolve(CERT_FILE);
      Path keyFile = dir.resolve(KEY_FILE);
      ClientTls kept = null;
      if (Files.exists(certFile) && Files.exists(keyFile)) {
        TlsIdentity id = new TlsIdentity(Files.readString(certFile), Files.readString(keyFile));
        if (issuedFor(id.certificate(), caCert, subject, clock)) {
          kept = new ClientTls(ca, id.certificatePem(), id.privateKeyPem());
          if (!id.certificate().getNotAfter().toInstant().isBefore(clock.instant().plus(ServingCertificate.RENEW_BEFORE))) {
            return kept;
          }
        }
      }
      if (kept == null && token == null) {
        throw new IllegalArgumentException("--token: required: no certificate for node \"" + node + "\" in " + dir
            + " yet, and the bootstrap token is what asks the cluster for one");
      }
      // Renewal asks with the certificate about to expire; a first join with the token.
      ClientTls asking = kept != null ? kept : ClientTls.serverOnly(ca);
      KeyPair keys = CertificateAuthority.newKeyPair(new SecureRandom());
      CertificateSigningResponse signed;
      try (CapstanClient client = CapstanClient.connect(server, kept != null ? null : token, asking)) {
        signed = CertificateSigningGrpc.newBlockingStub(client.channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
            .sign(CertificateSigningRequest.newBuilder().setRequest(ByteString.copyFrom(
                CertificateRequests.create(subject, keys), StandardCharsets.US_ASCII)).build());
      } catch (StatusRuntimeException e) {
        if (kept != null) {  // the old certificate is still good: start with it, renew next time
          log.warn("node {} could not renew its certificate ({}); using the current one until it expires", node,
              e.getStatus());
          return kept;
        }
        throw e;
      }
      String certPem = signed.getCertificate().toString(StandardCharsets.US_ASCII);
      PrivateFile.write(keyFile, Pem.privateKey(keys.getPrivate()));
      PrivateFile.write(certFile, certPem);
      Files.writeString(caFile, ca);
      log.info("node {} got a client certificate from the cluster CA, kept in {}", node, certFile);
      return new ClientTls(ca, certPem, Pem.privateKey(keys.getPrivate()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the node's certificate in " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * TLS of the agent's port: the serving certificate kept in {@code dir} when the CA issued it
   * for this node and every one of {@code names} and it has more than
   * {@link ServingCertificate#RENEW_BEFORE} left, else a new one the apiserver at {@code server}
   * signs for the node, asked for with the node's client certificate {@code client}.
   */
  public static AgentTls serving(Path dir, String node, List<String> names, String server, ClientTls client,
      Clock clock) {
    if (!client.hasClientCertificate()) {
      throw new IllegalArgumentException("the node's client certificate is needed to ask for its serving certificate");
    }
    String ca = client.certificateAuthorityPem();
    X509Certificate caCert = Pem.certificateOf(ca);
    Subject subject = new Subject(UserInfo.NODE_USER_PREFIX + node, List.of(UserInfo.SYSTEM_NODES));
    Path certFile = dir.resolve(SERVING_CERT_FILE);
    Path keyFile = dir.resolve(SERVING_KEY_FILE);
    try {
      TlsIdentity kept = null;
      if (Files.exists(certFile) && Files.exists(keyFile)) {
        TlsIdentity id = new TlsIdentity(Files.readString(certFile), Files.readString(keyFile));
        if (issuedFor(id.certificate(), caCert, subject, clock)) {
          kept = id;
          if (ServingCertificate.fits(id.certificate(), caCert, names, clock)) {
            return new AgentTls(id.certificatePem(), id.privateKeyPem(), ca, AgentClientCertificate.USER);
          }
        }
      }
      KeyPair keys = CertificateAuthority.newKeyPair(new SecureRandom());
      CertificateSigningResponse signed;
      try (CapstanClient api = CapstanClient.connect(server, null, client)) {
        signed = CertificateSigningGrpc.newBlockingStub(api.channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
            .sign(CertificateSigningRequest.newBuilder().setSignerName(CertificateSigningService.NODE_SERVING_SIGNER)
                .setRequest(ByteString.copyFrom(CertificateRequests.create(subject, keys, names),
                    StandardCharsets.US_ASCII)).build());
      } catch (StatusRuntimeException e) {
        if (kept != null) {  // still valid: serve with it (perhaps missing a new name), try again next start
          log.warn("node {} could not get a new serving certificate for {} ({}); serving with the kept one", node,
              names, e.getStatus());
          return new AgentTls(kept.certificatePem(), kept.privateKeyPem(), ca, AgentClientCertificate.USER);
        }
        throw e;
      }
      String certPem = signed.getCertificate().toString(StandardCharsets.US_ASCII);
      Files.createDirectories(dir);
      PrivateFile.write(keyFile, Pem.privateKey(keys.getPrivate()));
      PrivateFile.write(certFile, certPem);
      log.info("node {} got a serving certificate for {} from the cluster CA, kept in {}", node, names, certFile);
      return new AgentTls(certPem, Pem.privateKey(keys.getPrivate()), ca, AgentClientCertificate.USER);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the node's serving certificate in " + dir + ": " + e.getMessage(), e);
    }
  }

  private static boolean issuedFor(X509Certificate cert, X509Certificate ca, Subject subject, Clock clock) {
    try {
      cert.verify(ca.getPublicKey());
      cert.checkValidity(Date.from(clock.instant()));
      return Subject.of(cert.getSubjectX500Principal()).equals(subject);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }
}
