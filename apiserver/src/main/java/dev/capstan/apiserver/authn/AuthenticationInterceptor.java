package dev.capstan.apiserver.authn;

import dev.capstan.client.BearerToken;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Optional;
import java.util.Set;

/**
 * Authenticates every call by the bearer token in its {@code authorization} metadata
 * ({@code Bearer <token>}) and makes the user available to the handler through
 * {@link #currentUser()}. A call without a token, or with an unknown one, is closed with
 * UNAUTHENTICATED before any handler runs. The standard health service and server reflection
 * stay open, so that any client can check the server and discover the API without credentials.
 */
public final class AuthenticationInterceptor implements ServerInterceptor {
  private static final Context.Key<UserInfo> USER = Context.key("capstan-user");
  private static final Context.Key<String> TOKEN = Context.key("capstan-bearer-token");
  private static final Set<String> OPEN_SERVICES = Set.of("grpc.health.v1.Health",
      "grpc.reflection.v1alpha.ServerReflection", "grpc.reflection.v1.ServerReflection");

  private final BearerAuthenticator tokens;

  public AuthenticationInterceptor(BearerAuthenticator tokens) {
    this.tokens = tokens;
  }

  /** The user of the call being handled, or empty when authentication is off. */
  public static Optional<UserInfo> currentUser() {
    return Optional.ofNullable(USER.get());
  }

  /**
   * The bearer token the call being handled came with, or empty when authentication is off: the
   * apiserver forwards it when it proxies a call to an agent, which asks back what it allows.
   */
  public static Optional<String> currentToken() {
    return Optional.ofNullable(TOKEN.get());
  }

  @Override
  public <Req, Resp> ServerCall.Listener<Req> interceptCall(ServerCall<Req, Resp> call, Metadata headers,
      ServerCallHandler<Req, Resp> next) {
    if (OPEN_SERVICES.contains(call.getMethodDescriptor().getServiceName())) {
      return next.startCall(call, headers);
    }
    String header = headers.get(BearerToken.AUTHORIZATION);
    if (header == null || header.isBlank()) {
      return reject(call, "Unauthorized: no credentials: send the header \"authorization: Bearer <token>\"");
    }
    Optional<String> bearer = BearerToken.parse(header);
    if (bearer.isEmpty()) {
      return reject(call, "Unauthorized: the authorization header must be \"Bearer <token>\"");
    }
    String token = bearer.get();
    Optional<UserInfo> user = tokens.authenticate(token);
    if (user.isEmpty()) {
      return reject(call, "Unauthorized: invalid bearer token");
    }
    return Contexts.interceptCall(Context.current().withValues(USER, user.get(), TOKEN, token), call, headers, next);
  }

  private static <Req, Resp> ServerCall.Listener<Req> reject(ServerCall<Req, Resp> call, String message) {
    call.close(Status.UNAUTHENTICATED.withDescription(message), new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
