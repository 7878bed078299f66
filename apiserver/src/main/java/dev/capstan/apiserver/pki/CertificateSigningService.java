package dev.capstan.apiserver.pki;

import com.google.protobuf.ByteString;
import dev.capstan.api.certificates.v1.CertificateSigningGrpc;
import dev.capstan.api.certificates.v1.CertificateSigningRequest;
import dev.capstan.api.certificates.v1.CertificateSigningResponse;
import dev.capstan.apiserver.authn.AuthenticationInterceptor;
import dev.capstan.apiserver.authn.UserInfo;
import dev.capstan.apiserver.authz.Authorizer;
import dev.capstan.apiserver.authz.BootstrapPolicy;
import dev.capstan.apiserver.authz.RequestAttributes;
import dev.capstan.client.selector.DnsNames;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CertificateSigning.Sign: issues client certificates, and agents' serving certificates, from
 * the cluster CA, approving them at once. RBAC must allow the caller {@code create} on
 * {@code certificatesigningrequests.certificates.k8s.io} (bootstrap tokens, group
 * system:bootstrappers, and nodes through the bootstrap policy). Node certificates (CN
 * {@code system:node:<node>}, O {@code system:nodes}) go to bootstrappers, and to a node for
 * its own name only, so a node cannot get another node's identity. Any other subject (a user's
 * certificate) needs {@code approve} on {@code signers} named
 * {@code kubernetes.io/kube-apiserver-client}, as approving such a request does in Kubernetes:
 * cluster admins have it. A serving certificate (signer {@code kubernetes.io/kubelet-serving})
 * is for a node subject with the DNS names and IP addresses its request lists, and goes to that
 * node itself only (or to whoever may approve for that signer), as Kubernetes' kubelet-serving
 * signer: a bootstrap token cannot get one, and no node can serve under another node's name.
 */
public final class CertificateSigningService extends CertificateSigningGrpc.CertificateSigningImplBase {
  private static final Logger log = LoggerFactory.getLogger(CertificateSigningService.class);
  static final String GROUP = "certificates.k8s.io";
  static final String RESOURCE = "certificatesigningrequests";
  /** Kubernetes' name of the signer of client certificates for the API; approving for it is an RBAC right. */
  static final String CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client";
  /** Kubernetes' signer of node client certificates; the same as the default (empty) here. */
  static final String NODE_CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client-kubelet";
  /** Kubernetes' signer of the serving certificates of nodes' agent ports. */
  public static final String NODE_SERVING_SIGNER = "kubernetes.io/kubelet-serving";
  /** More names than any node serves under: a bound on what one request may ask for. */
  private static final int MAX_SERVING_NAMES = 32;
  /** A DNS subdomain (RFC 1123), the form of node names. */

  private final CertificateAuthority ca;
  private final Authorizer authorizer;

  public CertificateSigningService(CertificateAuthority ca, Authorizer authorizer) {
    this.ca = ca;
    this.authorizer = authorizer;
  }

  @Override
  public void sign(CertificateSigningRequest request, StreamObserver<CertificateSigningResponse> out) {
    try {
      out.onNext(sign(request));
      out.onCompleted();
    } catch (StatusRuntimeException e) {
      out.onError(e);
    }
  }

  private CertificateSigningResponse sign(CertificateSigningRequest request) {
    UserInfo user = AuthenticationInterceptor.currentUser().orElseThrow(() ->
        Status.UNAUTHENTICATED.withDescription("Unauthorized: the request carries no authenticated user")
            .asRuntimeException());
    if (!authorizer.allows(new RequestAttributes(user, "create", GROUP, RESOURCE, "", "", ""))) {
      throw Status.PERMISSION_DENIED.withDescription(RESOURCE + "." + GROUP + " is forbidden: User \"" + user.name()
          + "\" cannot create resource \"" + RESOURCE + "\" in API group \"" + GROUP + "\" at the cluster scope")
          .asRuntimeException();
    }
    CertificateRequests.Verified csr;
    try {
      csr = CertificateRequests.verify(request.getRequest().toString(StandardCharsets.US_ASCII));
    } catch (IllegalArgumentException e) {
      throw Status.INVALID_ARGUMENT.withDescription("request: " + e.getMessage()).asRuntimeException();
    }
    Subject subject = csr.subject();
    Optional<String> notNode = nodeSubjectProblem(subject);
    String signer = request.getSignerName();
    if (signer.equals(NODE_SERVING_SIGNER)) {
      return signServing(user, csr, notNode);
    }
    if (!signer.isEmpty() && !signer.equals(CLIENT_SIGNER) && !signer.equals(NODE_CLIENT_SIGNER)) {
      throw Status.INVALID_ARGUMENT.withDescription("signerName: Unsupported value: \"" + signer
          + "\": supported values: \"\", \"" + CLIENT_SIGNER + "\", \"" + NODE_CLIENT_SIGNER + "\", \""
          + NODE_SERVING_SIGNER + "\"").asRuntimeException();
    }
    if (!csr.names().isEmpty()) {
      throw Status.INVALID_ARGUMENT.withDescription("request: a client certificate names no hosts, but the request"
          + " asks for subjectAltName " + csr.names() + " (a serving certificate is signerName \""
          + NODE_SERVING_SIGNER + "\")").asRuntimeException();
    }
    boolean approver = authorizer.allows(new RequestAttributes(user, "approve", GROUP, "signers", "", "",
        CLIENT_SIGNER));
    if (notNode.isPresent() && !approver) {
      throw Status.PERMISSION_DENIED.withDescription("User \"" + user.name() + "\" may only ask for node"
          + " certificates (" + notNode.get() + "); any other subject needs approve on signers \"" + CLIENT_SIGNER
          + "\" in API group \"" + GROUP + "\"").asRuntimeException();
    }
    if (notNode.isEmpty() && !approver && !user.inGroup(BootstrapPolicy.BOOTSTRAPPERS)
        && !user.name().equals(subject.commonName())) {
      throw Status.PERMISSION_DENIED.withDescription("User \"" + user.name() + "\" may only ask for a certificate"
          + " for itself, not for \"" + subject.commonName() + "\"").asRuntimeException();
    }
    X509Certificate cert = ca.issueClient(subject, csr.publicKey());
    log.info("issued a client certificate for {} to {}", subject.commonName(), user.name());
    return CertificateSigningResponse.newBuilder()
        .setCertificate(ByteString.copyFrom(Pem.certificate(cert), StandardCharsets.US_ASCII))
        .setCa(ByteString.copyFrom(ca.certificatePem(), StandardCharsets.US_ASCII)).build();
  }

  /** The serving certificate of a node's agent, for that node itself (or an approver of the serving signer). */
  private CertificateSigningResponse signServing(UserInfo user, CertificateRequests.Verified csr,
      Optional<String> notNode) {
    Subject subject = csr.subject();
    if (notNode.isPresent()) {
      throw Status.INVALID_ARGUMENT.withDescription("request: signer \"" + NODE_SERVING_SIGNER
          + "\" signs node subjects only: " + notNode.get()).asRuntimeException();
    }
    if (csr.names().isEmpty() || csr.names().size() > MAX_SERVING_NAMES) {
      throw Status.INVALID_ARGUMENT.withDescription("request: a serving certificate needs 1 to " + MAX_SERVING_NAMES
          + " subjectAltName DNS names or IP addresses, got " + csr.names().size()).asRuntimeException();
    }
    boolean self = user.name().equals(subject.commonName()) && user.inGroup(UserInfo.SYSTEM_NODES);
    if (!self && !authorizer.allows(new RequestAttributes(user, "approve", GROUP, "signers", "", "",
        NODE_SERVING_SIGNER))) {
      throw Status.PERMISSION_DENIED.withDescription("User \"" + user.name() + "\" may not get a serving certificate"
          + " for \"" + subject.commonName() + "\": only that node itself may (or whoever may approve on signers \""
          + NODE_SERVING_SIGNER + "\" in API group \"" + GROUP + "\")").asRuntimeException();
    }
    X509Certificate cert = ca.issueServer(subject, csr.publicKey(), csr.names());
    log.info("issued a serving certificate for {} ({}) to {}", subject.commonName(), csr.names(), user.name());
    return CertificateSigningResponse.newBuilder()
        .setCertificate(ByteString.copyFrom(Pem.certificate(cert), StandardCharsets.US_ASCII))
        .setCa(ByteString.copyFrom(ca.certificatePem(), StandardCharsets.US_ASCII)).build();
  }

  /** Empty when {@code subject} is a node's: CN system:node:NAME with a valid node name, O system:nodes only. */
  static Optional<String> nodeSubjectProblem(Subject subject) {
    String cn = subject.commonName();
    if (!cn.startsWith(UserInfo.NODE_USER_PREFIX)) {
      return Optional.of("subject CN \"" + cn + "\" must be " + UserInfo.NODE_USER_PREFIX + "<node name>");
    }
    String node = cn.substring(UserInfo.NODE_USER_PREFIX.length());
    if (node.length() > 253 || !DnsNames.isDns1123Subdomain(node)) {
      return Optional.of("subject CN \"" + cn + "\": \"" + node + "\" is not a valid node name");
    }
    if (!subject.organizations().equals(List.of(UserInfo.SYSTEM_NODES))) {
      return Optional.of("subject O must be exactly " + UserInfo.SYSTEM_NODES + ", got " + subject.organizations());
    }
    return Optional.empty();
  }
}
