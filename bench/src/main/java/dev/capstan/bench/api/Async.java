package dev.capstan.bench.api;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.Message;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.Kinds;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import java.util.concurrent.TimeUnit;

/**
 * Asynchronous unary calls on the Pods service through a {@link CapstanClient}'s channel (which
 * carries its bearer token), so that an open-loop driver never waits for one request before
 * sending the next. The typed {@code ResourceClient} only has blocking calls.
 */
final class Async {
  private static final long DEADLINE_MILLIS = 30_000;

  private Async() {}

  static <Req extends Message, Resp extends Message> ListenableFuture<Resp> pods(CapstanClient client, String method,
      Req request) {
    @SuppressWarnings("unchecked")
    MethodDescriptor<Req, Resp> m = (MethodDescriptor<Req, Resp>) Kinds.POD.method(method);
    return ClientCalls.futureUnaryCall(client.channel().newCall(m,
        CallOptions.DEFAULT.withDeadlineAfter(DEADLINE_MILLIS, TimeUnit.MILLISECONDS)), request);
  }
}
