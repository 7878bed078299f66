package dev.capstan.apiserver.audit;

import com.google.protobuf.Message;
import dev.capstan.apiserver.authn.AuthenticationInterceptor;
import dev.capstan.apiserver.authn.UserInfo;
import dev.capstan.apiserver.metrics.ApiMethod;
import dev.capstan.apiserver.service.RequestTarget;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Records every mutating call (create, update, updatestatus, patch, delete, deletecollection,
 * bind, exec, updatescale) in the {@link AuditLog} when it ends, allowed or not; reads (get,
 * list, watch, log) pass untouched. It runs inside authentication, so it knows the user; without
 * authentication the user is {@code system:anonymous}. The object is named by its namespace and
 * name from the request, or from the reply when the server chose the name (generateName).
 */
public final class AuditInterceptor implements ServerInterceptor {
  private static final UserInfo ANONYMOUS = new UserInfo("system:anonymous", "", List.of("system:unauthenticated"));

  private final AuditLog log;
  private final Clock clock;

  public AuditInterceptor(AuditLog log, Clock clock) {
    this.log = log;
    this.clock = clock;
  }

  @Override
  public <Req, Resp> ServerCall.Listener<Req> interceptCall(ServerCall<Req, Resp> call, Metadata headers,
      ServerCallHandler<Req, Resp> next) {
    ApiMethod method = ApiMethod.of(call.getMethodDescriptor());
    if (!method.mutating()) {
      return next.startCall(call, headers);
    }
    UserInfo user = AuthenticationInterceptor.currentUser().orElse(ANONYMOUS);
    String source = sourceIp(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
    Audited<Req, Resp> audited = new Audited<>(call, method, user, source);
    return new SimpleForwardingServerCallListener<>(next.startCall(audited, headers)) {
      @Override
      public void onMessage(Req message) {
        if (message instanceof Message m) {
          audited.target = RequestTarget.of(m);
        }
        super.onMessage(message);
      }

      @Override
      public void onCancel() {
        audited.finish(Status.Code.CANCELLED);
        super.onCancel();
      }
    };
  }

  /** One audited call: what it targets, learned from the request (or reply), written once when it ends. */
  private final class Audited<Req, Resp> extends SimpleForwardingServerCall<Req, Resp> {
    private final ApiMethod method;
    private final UserInfo user;
    private final String source;
    private final Instant received = clock.instant();
    private final long start = System.nanoTime();
    private final AtomicBoolean written = new AtomicBoolean();
    volatile RequestTarget target = new RequestTarget("", "");

    Audited(ServerCall<Req, Resp> call, ApiMethod method, UserInfo user, String source) {
      super(call);
      this.method = method;
      this.user = user;
      this.source = source;
    }

    @Override
    public void sendMessage(Resp message) {
      if (target.name().isEmpty() && message instanceof Message m) {
        RequestTarget replied = RequestTarget.of(m);
        if (!replied.name().isEmpty()) {
          target = replied;  // the name the server generated; a list reply (deletecollection) names none
        }
      }
      super.sendMessage(message);
    }

    @Override
    public void close(Status status, Metadata trailers) {
      finish(status.getCode());
      super.close(status, trailers);
    }

    void finish(Status.Code code) {
      if (!written.compareAndSet(false, true)) {
        return;  // a cancel racing the reply
      }
      RequestTarget t = target;
      log.record(AuditEvent.completed(UUID.randomUUID().toString(), received, clock.instant(), method.verb(),
          new AuditEvent.User(user.name(), user.uid(), user.groups()), source.isEmpty() ? List.of() : List.of(source),
          new AuditEvent.ObjectRef(method.kind(), t.namespace(), t.name()), new AuditEvent.ResponseStatus(code.name()),
          (System.nanoTime() - start) / 1e9));
    }
  }

  private static String sourceIp(SocketAddress address) {
    return address instanceof InetSocketAddress inet && inet.getAddress() != null
        ? inet.getAddress().getHostAddress() : "";
  }
}
