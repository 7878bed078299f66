package dev.capstan.apiserver.authn;

import dev.capstan.client.BearerToken;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Authenticates every call and makes the user available to the handler through
 * {@link #currentUser()}: by the bearer token in its {@code authorization} metadata
 * ({@code Bearer <token>}) when it sends one, else by the TLS client certificate of its
 * connection ({@link CertificateAuthenticator}). A call with neither, with an unknown token or
 * with a certificate that names no user is closed with UNAUTHENTICATED before any handler runs.
 * The token wins over the certificate. The standard health
 * service and server reflection stay open, so that any client can check the server and discover
 * the API without credentials.
 */
public final class AuthenticationInterceptor implements ServerInterceptor {
  private static final Context.Key<UserInfo> USER = Context.key("capstan-user");
  private static final Set<String> OPEN_SERVICES = Set.of("grpc.health.v1.Health",
      "grpc.reflection.v1alpha.ServerReflection", "grpc.reflection.v1.ServerReflection");

  private final BearerAuthenticator tokens;
  private final CertificateAuthenticator certificates;

  public AuthenticationInterceptor(BearerAuthenticator tokens) {
    this(tokens, null);
  }

  /** Bearer tokens and, unless {@code certificates} is null, client certificates. */
  public AuthenticationInterceptor(BearerAuthenticator tokens, CertificateAuthenticator certificates) {
    this.tokens = tokens;
    this.certificates = certificates;
  }

  /** The user of the call being handled, or empty when authentication is off. */
  public static Optional<UserInfo> currentUser() {
    return Optional.ofNullable(USER.get());
  }

  @Override
  public <Req, Resp> ServerCall.Listener<Req> interceptCall(ServerCall<Req, Resp> call, Metadata headers,
      ServerCallHandler<Req, Resp> next) {
    if (OPEN_SERVICES.contains(call.getMethodDescriptor().getServiceName())) {
      return next.startCall(call, headers);
    }
    String header = headers.get(BearerToken.AUTHORIZATION);
    if (header == null || header.isBlank()) {
      List<X509Certificate> chain = peerCertificates(call);
      if (certificates != null && !chain.isEmpty()) {
        Optional<UserInfo> user = certificates.authenticate(chain);
        if (user.isEmpty()) {
          return reject(call, "Unauthorized: the client certificate \"" + chain.get(0).getSubjectX500Principal()
              + "\" was not issued by the cluster CA for a client, has expired, or names no user (CN)");
        }
        return Contexts.interceptCall(Context.current().withValue(USER, user.get()), call, headers, next);
      }
      return reject(call, certificates != null
          ? "Unauthorized: no credentials: present a client certificate or send the header"
              + " \"authorization: Bearer <token>\""
          : "Unauthorized: no credentials: send the header \"authorization: Bearer <token>\"");
    }
    Optional<String> bearer = BearerToken.parse(header);
    if (bearer.isEmpty()) {
      return reject(call, "Unauthorized: the authorization header must be \"Bearer <token>\"");
    }
    Optional<UserInfo> user = tokens.authenticate(bearer.get());
    if (user.isEmpty()) {
      return reject(call, "Unauthorized: invalid bearer token");
    }
    return Contexts.interceptCall(Context.current().withValue(USER, user.get()), call, headers, next);
  }

  /** The certificates the peer presented in the TLS handshake, leaf first; none without TLS. */
  private static List<X509Certificate> peerCertificates(ServerCall<?, ?> call) {
    SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    if (session == null) {
      return List.of();
    }
    try {
      Certificate[] certs = session.getPeerCertificates();
      return Arrays.stream(certs).filter(X509Certificate.class::isInstance).map(X509Certificate.class::cast).toList();
    } catch (SSLPeerUnverifiedException noClientCertificate) {
      return List.of();
    }
  }

  private static <Req, Resp> ServerCall.Listener<Req> reject(ServerCall<Req, Resp> call, String message) {
    call.close(Status.UNAUTHENTICATED.withDescription(message), new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
