package dev.capstan.apiserver.ratelimit;

import dev.capstan.apiserver.audit.AuditedMethod;
import dev.capstan.apiserver.authn.AuthenticationInterceptor;
import dev.capstan.apiserver.authn.UserInfo;
import io.grpc.Context;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Caps the API requests this apiserver serves at once ({@link InFlightLimit}), so that a flood of
 * requests is refused early and cheaply instead of queueing without bound (threads, memory, and
 * latency for every client). A request over its ceiling is closed at once with RESOURCE_EXHAUSTED naming the
 * ceiling and its flag, with a {@code google.rpc.RetryInfo} of one second. As in Kubernetes:
 * long-running calls (watch, pods/log, pods/exec) are not counted, nor are requests of
 * {@code system:masters}, which must get through to repair an overloaded cluster.
 *
 * <p>A slot is taken when the call starts and given back exactly once, when the call closes or
 * the client gives up on it (then at once, even while the handler is still busy).
 */
public final class InFlightLimitInterceptor implements ServerInterceptor {
  private static final Set<String> READ_ONLY_VERBS = Set.of("get", "list", "watch");
  private static final String PRIVILEGED_GROUP = "system:masters";
  private static final Duration RETRY_AFTER = Duration.ofSeconds(1);

  private final InFlightLimit limit;
  private final Semaphore readOnly;
  private final Semaphore mutating;
  private final Runnable onRefused;

  public InFlightLimitInterceptor(InFlightLimit limit, Runnable onRefused) {
    if (!limit.enabled()) {
      throw new IllegalArgumentException("the in-flight limit is off; do not install its interceptor");
    }
    this.limit = limit;
    this.readOnly = limit.readOnly() > 0 ? new Semaphore(limit.readOnly()) : null;
    this.mutating = limit.mutating() > 0 ? new Semaphore(limit.mutating()) : null;
    this.onRefused = onRefused;
  }

  /** Requests being served now that count against the read-only ceiling (0 without one). */
  public int readOnlyInFlight() {
    return readOnly == null ? 0 : limit.readOnly() - readOnly.availablePermits();
  }

  /** Requests being served now that count against the mutating ceiling (0 without one). */
  public int mutatingInFlight() {
    return mutating == null ? 0 : limit.mutating() - mutating.availablePermits();
  }

  @Override
  public <Req, Resp> ServerCall.Listener<Req> interceptCall(ServerCall<Req, Resp> call, Metadata headers,
      ServerCallHandler<Req, Resp> next) {
    AuditedMethod method = AuditedMethod.of(call.getMethodDescriptor());
    boolean isMutating = !READ_ONLY_VERBS.contains(method.verb());
    Semaphore slots = isMutating ? mutating : readOnly;
    if (slots == null || method.longRunning() || privileged()) {
      return next.startCall(call, headers);
    }
    if (!slots.tryAcquire()) {
      onRefused.run();
      return Refusal.refuse(call, refusalMessage(isMutating), RETRY_AFTER);
    }
    Slot slot = new Slot(slots);
    // gRPC cancels the call's context at once when the client goes away (a deadline, a cancel),
    // while onCancel would wait for the handler, which may still be blocked on the store.
    Context.current().addListener(context -> slot.release(), Runnable::run);
    try {
      return next.startCall(new SimpleForwardingServerCall<>(call) {
        @Override
        public void close(Status status, Metadata trailers) {
          slot.release();
          super.close(status, trailers);
        }
      }, headers);
    } catch (RuntimeException e) {
      slot.release();
      throw e;
    }
  }

  private static boolean privileged() {
    return AuthenticationInterceptor.currentUser().map(UserInfo::groups)
        .map(groups -> groups.contains(PRIVILEGED_GROUP)).orElse(false);
  }

  private String refusalMessage(boolean isMutating) {
    return isMutating
        ? "too many requests: this apiserver is serving its limit of " + limit.mutating()
            + " mutating requests at once (--max-mutating-requests-inflight); retry later"
        : "too many requests: this apiserver is serving its limit of " + limit.readOnly()
            + " read-only requests at once (--max-requests-inflight); retry later";
  }

  /** One taken slot, given back once however the call ends. */
  private static final class Slot {
    private final Semaphore slots;
    private final AtomicBoolean released = new AtomicBoolean();

    Slot(Semaphore slots) {
      this.slots = slots;
    }

    void release() {
      if (released.compareAndSet(false, true)) {
        slots.release();
      }
    }
  }
}
