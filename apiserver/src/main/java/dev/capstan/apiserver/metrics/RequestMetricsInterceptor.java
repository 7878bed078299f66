package dev.capstan.apiserver.metrics;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Counts every call and times it, by {@link ApiMethod} and the gRPC code it ended with. It is
 * the outermost interceptor, so calls refused before any handler runs (no token, rate limit)
 * count too. A call the client cancels counts as CANCELLED.
 */
public final class RequestMetricsInterceptor implements ServerInterceptor {
  private final ApiMetrics metrics;

  public RequestMetricsInterceptor(ApiMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public <Req, Resp> ServerCall.Listener<Req> interceptCall(ServerCall<Req, Resp> call, Metadata headers,
      ServerCallHandler<Req, Resp> next) {
    ApiMethod method = ApiMethod.of(call.getMethodDescriptor());
    long start = System.nanoTime();
    // close and onCancel may both happen (a cancel racing the reply): record the first only
    AtomicBoolean recorded = new AtomicBoolean();
    ServerCall<Req, Resp> timed = new SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        if (recorded.compareAndSet(false, true)) {
          metrics.recordRequest(method, status.getCode(), System.nanoTime() - start);
        }
        super.close(status, trailers);
      }
    };
    return new SimpleForwardingServerCallListener<>(next.startCall(timed, headers)) {
      @Override
      public void onCancel() {
        if (recorded.compareAndSet(false, true)) {
          metrics.recordRequest(method, Status.Code.CANCELLED, System.nanoTime() - start);
        }
        super.onCancel();
      }
    };
  }
}
