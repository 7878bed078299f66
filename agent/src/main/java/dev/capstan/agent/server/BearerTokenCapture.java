package dev.capstan.agent.server;

import dev.capstan.client.BearerToken;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.Optional;

/**
 * Keeps the bearer token a call came with (if any) for its handler: the agent does not judge
 * tokens itself but hands them to the apiserver to ask what they allow.
 */
final class BearerTokenCapture implements ServerInterceptor {
  private static final Context.Key<String> TOKEN = Context.key("agent-caller-token");

  static Optional<String> current() {
    return Optional.ofNullable(TOKEN.get());
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Optional<String> token = BearerToken.parse(headers.get(BearerToken.AUTHORIZATION));
    return token.isEmpty() ? next.startCall(call, headers)
        : Contexts.interceptCall(Context.current().withValue(TOKEN, token.get()), call, headers, next);
  }
}
