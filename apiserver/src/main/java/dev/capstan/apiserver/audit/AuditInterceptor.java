package dev.capstan.apiserver.audit;

import com.google.protobuf.Message;
import dev.capstan.apiserver.authn.AuthenticationInterceptor;
import dev.capstan.apiserver.authn.UserInfo;
import dev.capstan.apiserver.service.EncodedReply;
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
 * Records API calls in the {@link AuditLog} as the {@link AuditPolicy} says: the first matching
 * rule gives the level (None: nothing) and the stages left out. A call is written when it ends
 * ({@code ResponseComplete}, allowed or not), and a long-running one (watch, pods/log, pods/exec)
 * also when its response starts ({@code ResponseStarted}); both carry the same auditID. At level
 * Request the event holds the request message, at RequestResponse also the reply of a unary call
 * (never a stream's messages). It runs inside authentication, so it knows the user; without
 * authentication the user is {@code system:anonymous}. The object is named by its namespace and
 * name from the request, or from the reply when the server chose the name (generateName).
 *
 * <p>A call the policy leaves out whatever object it names is passed on untouched; otherwise the
 * policy is asked again when the request message names the object (rules with namespaces or
 * resourceNames need it).
 */
public final class AuditInterceptor implements ServerInterceptor {
  private static final UserInfo ANONYMOUS = new UserInfo("system:anonymous", "", List.of("system:unauthenticated"));
  private static final RequestTarget NO_TARGET = new RequestTarget("", "");

  private final AuditLog log;
  private final AuditPolicy policy;
  private final Clock clock;

  public AuditInterceptor(AuditLog log, AuditPolicy policy, Clock clock) {
    this.log = log;
    this.policy = policy;
    this.clock = clock;
  }

  @Override
  public <Req, Resp> ServerCall.Listener<Req> interceptCall(ServerCall<Req, Resp> call, Metadata headers,
      ServerCallHandler<Req, Resp> next) {
    AuditedMethod method = AuditedMethod.of(call.getMethodDescriptor());
    UserInfo user = AuthenticationInterceptor.currentUser().orElse(ANONYMOUS);
    AuditPolicy.Decision known = policy.decideWithoutTarget(user, method);
    if (known == AuditPolicy.Decision.NONE) {
      return next.startCall(call, headers);
    }
    String source = sourceIp(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
    Audited<Req, Resp> audited = new Audited<>(call, method, user, source, known);
    return new SimpleForwardingServerCallListener<>(next.startCall(audited, headers)) {
      @Override
      public void onMessage(Req message) {
        if (message instanceof Message m) {
          audited.requestArrived(m);
        }
        super.onMessage(message);
      }

      @Override
      public void onCancel() {
        audited.finish(Status.CANCELLED);
        super.onCancel();
      }
    };
  }

  /** One audited call: what it targets, learned from the request (or reply), written at most once per stage. */
  private final class Audited<Req, Resp> extends SimpleForwardingServerCall<Req, Resp> {
    private final AuditedMethod method;
    private final UserInfo user;
    private final String source;
    private final String auditID = UUID.randomUUID().toString();
    private final Instant received = clock.instant();
    private final long start = System.nanoTime();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean completed = new AtomicBoolean();
    private volatile RequestTarget target = NO_TARGET;
    /** Null until the request names its object, when the policy did not decide without it. */
    private volatile AuditPolicy.Decision decision;
    private volatile Message request;
    private volatile Message response;

    Audited(ServerCall<Req, Resp> call, AuditedMethod method, UserInfo user, String source,
        AuditPolicy.Decision known) {
      super(call);
      this.method = method;
      this.user = user;
      this.source = source;
      this.decision = known;
    }

    void requestArrived(Message message) {
      RequestTarget t = RequestTarget.of(message);
      target = t;
      AuditPolicy.Decision d = decision;
      if (d == null) {
        d = policy.decide(user, method, t.namespace(), t.name());
        decision = d;
      }
      if (d.level().atLeast(AuditLevel.REQUEST)) {
        request = message;
      }
    }

    @Override
    public void sendHeaders(Metadata headers) {
      AuditPolicy.Decision d = decision;
      if (method.longRunning() && d != null && d.writes(AuditStage.RESPONSE_STARTED)
          && started.compareAndSet(false, true)) {
        log.record(event(d, AuditStage.RESPONSE_STARTED, null, null));
      }
      super.sendHeaders(headers);
    }

    @Override
    public void sendMessage(Resp message) {
      Message m = message instanceof Message direct ? direct
          : message instanceof EncodedReply encoded ? decodedIfNeeded(encoded) : null;
      if (m != null) {
        if (target.name().isEmpty()) {
          RequestTarget replied = RequestTarget.of(m);
          if (!replied.name().isEmpty()) {
            target = replied;  // the name the server generated; a list reply (deletecollection) names none
          }
        }
        AuditPolicy.Decision d = decision;
        if (!method.streaming() && d != null && d.level() == AuditLevel.REQUEST_RESPONSE) {
          response = m;
        }
      }
      super.sendMessage(message);
    }

    /**
     * A reply sent in its wire form, decoded only when the record needs it: the name a create
     * generated, or the response object at RequestResponse level. Streamed replies are never read,
     * nor replies to calls whose rule, decided on the request's target, records nothing.
     */
    private Message decodedIfNeeded(EncodedReply reply) {
      AuditPolicy.Decision d = decision;
      if (method.streaming() || d == null || d.level() == AuditLevel.NONE) {
        return null;  // nothing will be recorded for this call
      }
      boolean name = target.name().isEmpty() && method.verb().equals("create");
      boolean body = d.level() == AuditLevel.REQUEST_RESPONSE;
      return name || body ? reply.decoded().get() : null;
    }

    @Override
    public void close(Status status, Metadata trailers) {
      finish(status);
      super.close(status, trailers);
    }

    void finish(Status status) {
      if (!completed.compareAndSet(false, true)) {
        return;  // a cancel racing the reply
      }
      AuditPolicy.Decision d = decision;
      if (d == null) {  // ended before its message arrived (refused by the rate limit): decided without a target
        d = policy.decide(user, method, "", "");
      }
      if (d.writes(AuditStage.RESPONSE_COMPLETE)) {
        log.record(event(d, AuditStage.RESPONSE_COMPLETE,
            new AuditEvent.ResponseStatus(status.getCode().name(), status.getDescription()), response));
      }
    }

    private AuditEvent event(AuditPolicy.Decision d, AuditStage stage, AuditEvent.ResponseStatus status,
        Message responseObject) {
      RequestTarget t = target;
      return AuditEvent.of(d.level(), stage, auditID, received, clock.instant(), method.verb(),
          new AuditEvent.User(user.name(), user.uid(), user.groups()), source.isEmpty() ? List.of() : List.of(source),
          new AuditEvent.ObjectRef(method.resource(), t.namespace(), t.name(), method.apiGroup(), method.apiVersion(),
              method.subresource()),
          status, request, responseObject, (System.nanoTime() - start) / 1e9);
    }
  }

  private static String sourceIp(SocketAddress address) {
    return address instanceof InetSocketAddress inet && inet.getAddress() != null
        ? inet.getAddress().getHostAddress() : "";
  }
}
