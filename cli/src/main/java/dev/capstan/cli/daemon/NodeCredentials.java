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
import dev.capstan.client.tls.CertificateRotations;
import dev.capstan.client.tls.CertifiedKey;
import dev.capstan.client.tls.SwappableKeyManager;
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
 * with the certificate alone, and asks for a new one with it at start when less than
 * {@link ServingCertificate#RENEW_BEFORE} is left. The serving certificate of its own port
 * ({@code serving.crt}, {@code serving.key}; same subject, for the node's names and addresses)
 * it asks for with its client certificate, as a kubelet does from the kubelet-serving signer.
 * While the agent runs, {@link #rotate} renews both at 70-90 % of their lifetime.
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
      Subject subject = nodeSubject(node);
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
      try {
        CertifiedKey issued = requestClient(dir, node, server, kept != null ? kept : ClientTls.serverOnly(ca),
            kept != null ? null : token);
        Files.writeString(caFile, ca);
        return new ClientTls(ca, Pem.certificate(issued.certificate()), Pem.privateKey(issued.key()));
      } catch (StatusRuntimeException e) {
        if (kept != null) {  // the old certificate is still good: start with it, renew while running
          log.warn("node {} could not renew its certificate ({}); using the current one until it expires", node,
              e.getStatus());
          return kept;
        }
        throw e;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the node's certificate in " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Asks the apiserver at {@code server} for a new client certificate of node {@code node} on a
   * new key, authenticating with {@code asking} (the node's current certificate) or, on the
   * first join, with {@code token}, and keeps it in {@code dir} ({@code node.crt}, {@code node.key},
   * each replaced at once, 0600). The agent's rotation calls it while the agent runs.
   */
  public static CertifiedKey requestClient(Path dir, String node, String server, ClientTls asking, String token) {
    KeyPair keys = CertificateAuthority.newKeyPair(new SecureRandom());
    CertifiedKey issued = sign(server, token, asking, CertificateSigningRequest.newBuilder()
        .setRequest(ByteString.copyFrom(CertificateRequests.create(nodeSubject(node), keys), StandardCharsets.US_ASCII))
        .build(), keys);
    keep(dir.resolve(KEY_FILE), dir.resolve(CERT_FILE), issued);
    log.info("node {} got a client certificate (serial {}, valid until {}) from the cluster CA, kept in {}", node,
        issued.serialHex(), issued.notAfter(), dir.resolve(CERT_FILE));
    return issued;
  }

  /**
   * Asks the apiserver at {@code server} for a new serving certificate of node {@code node} for
   * {@code names} on a new key, with the node's client certificate {@code client}, and keeps it in
   * {@code dir} ({@code serving.crt}, {@code serving.key}, each replaced at once, 0600).
   */
  public static CertifiedKey requestServing(Path dir, String node, List<String> names, String server,
      ClientTls client) {
    KeyPair keys = CertificateAuthority.newKeyPair(new SecureRandom());
    CertifiedKey issued = sign(server, null, client, CertificateSigningRequest.newBuilder()
        .setSignerName(CertificateSigningService.NODE_SERVING_SIGNER)
        .setRequest(ByteString.copyFrom(CertificateRequests.create(nodeSubject(node), keys, names),
            StandardCharsets.US_ASCII)).build(), keys);
    keep(dir.resolve(SERVING_KEY_FILE), dir.resolve(SERVING_CERT_FILE), issued);
    log.info("node {} got a serving certificate for {} (serial {}, valid until {}) from the cluster CA, kept in {}",
        node, names, issued.serialHex(), issued.notAfter(), dir.resolve(SERVING_CERT_FILE));
    return issued;
  }

  private static CertifiedKey sign(String server, String token, ClientTls tls, CertificateSigningRequest request,
      KeyPair keys) {
    try (CapstanClient client = CapstanClient.connect(server, token, tls)) {
      CertificateSigningResponse signed = CertificateSigningGrpc.newBlockingStub(client.channel())
          .withDeadlineAfter(30, TimeUnit.SECONDS).sign(request);
      return new CertifiedKey(Pem.certificateOf(signed.getCertificate().toString(StandardCharsets.US_ASCII)),
          keys.getPrivate());
    }
  }

  private static void keep(Path keyFile, Path certFile, CertifiedKey issued) {
    try {
      PrivateFile.write(keyFile, Pem.privateKey(issued.key()));
      PrivateFile.write(certFile, Pem.certificate(issued.certificate()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the node's certificate in " + certFile.getParent() + ": "
          + e.getMessage(), e);
    }
  }

  /** Its label in logs and in capstan_certificate_expiration_seconds. */
  public static final String CLIENT_ROTATION = "node-client";
  public static final String SERVING_ROTATION = "node-serving";

  /**
   * Renews the node's client certificate ({@code client}, as {@link #ensure} returned it) and the
   * serving certificate of its port ({@code serving}) while the agent runs, each by asking the
   * apiserver with the node's current client certificate and keeping the new one in {@code dir}.
   * Returns the client TLS to connect with: it presents whichever client certificate is current.
   */
  public static ClientTls rotate(CertificateRotations rotations, Path dir, String node, List<String> names,
      String server, ClientTls client, AgentTls serving) {
    SwappableKeyManager clientKeys = new SwappableKeyManager(CertifiedKey.fromPem(client.clientCertificatePem(),
        client.clientKeyPem()));
    ClientTls live = ClientTls.rotating(client.certificateAuthorityPem(), clientKeys);
    rotations.rotate(CLIENT_ROTATION, clientKeys, current -> requestClient(dir, node, server, live, null));
    rotations.rotate(SERVING_ROTATION, serving.serving(), current -> requestServing(dir, node, names, server, live));
    return live;
  }

  private static Subject nodeSubject(String node) {
    return new Subject(UserInfo.NODE_USER_PREFIX + node, List.of(UserInfo.SYSTEM_NODES));
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
    Subject subject = nodeSubject(node);
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
      try {
        CertifiedKey issued = requestServing(dir, node, names, server, client);
        return new AgentTls(new SwappableKeyManager(issued), ca, AgentClientCertificate.USER);
      } catch (StatusRuntimeException e) {
        if (kept != null) {  // still valid: serve with it (perhaps missing a new name), renew while running
          log.warn("node {} could not get a new serving certificate for {} ({}); serving with the kept one", node,
              names, e.getStatus());
          return new AgentTls(kept.certificatePem(), kept.privateKeyPem(), ca, AgentClientCertificate.USER);
        }
        throw e;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the node's serving certificate in " + dir + ": " + e.getMessage(), e);
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
