package dev.capstan.apiserver.ratelimit;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import io.grpc.ServerCall;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;

/**
 * How a limit refuses a call before any handler runs: RESOURCE_EXHAUSTED with a message naming
 * the limit and a {@code google.rpc.RetryInfo} detail saying when to try again.
 */
final class Refusal {
  private Refusal() {}

  /** Closes {@code call} so; returns the listener to give gRPC for it (which ignores everything). */
  static <Req> ServerCall.Listener<Req> refuse(ServerCall<Req, ?> call, String message, Duration retryAfter) {
    RetryInfo retry = RetryInfo.newBuilder().setRetryDelay(com.google.protobuf.Duration.newBuilder()
        .setSeconds(retryAfter.getSeconds()).setNanos(retryAfter.getNano())).build();
    StatusRuntimeException refusal = StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
        .setCode(Code.RESOURCE_EXHAUSTED_VALUE).setMessage(message).addDetails(Any.pack(retry)).build());
    call.close(refusal.getStatus(), refusal.getTrailers());
    return new ServerCall.Listener<>() {};
  }
}
