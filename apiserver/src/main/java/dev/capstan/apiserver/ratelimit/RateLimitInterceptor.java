package dev.capstan.apiserver.ratelimit;

import dev.capstan.apiserver.authn.AuthenticationInterceptor;
import dev.capstan.apiserver.authn.UserInfo;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Limits each authenticated user to a {@link RateLimit} with a {@link TokenBucket} of their own,
 * so one busy client cannot starve the others. A call over the limit is closed with
 * RESOURCE_EXHAUSTED before any handler runs, saying which limit and which user, with a
 * {@code google.rpc.RetryInfo} detail telling when a token will be there. A watch or log stream
 * counts once, when it starts. Users come from the token file, so the buckets are bounded by
 * it; without authentication every call shares the bucket of {@code system:anonymous}.
 */
public final class RateLimitInterceptor implements ServerInterceptor {
  private final RateLimit limit;
  private final Clock clock;
  private final Runnable onRefused;
  private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();

  public RateLimitInterceptor(RateLimit limit, Clock clock, Runnable onRefused) {
    if (!limit.enabled()) {
      throw new IllegalArgumentException("the rate limit is off; do not install its interceptor");
    }
    this.limit = limit;
    this.clock = clock;
    this.onRefused = onRefused;
  }

  @Override
  public <Req, Resp> ServerCall.Listener<Req> interceptCall(ServerCall<Req, Resp> call, Metadata headers,
      ServerCallHandler<Req, Resp> next) {
    String user = AuthenticationInterceptor.currentUser().map(UserInfo::name).orElse("system:anonymous");
    Duration wait = buckets.computeIfAbsent(user, u -> new TokenBucket(limit, clock)).tryTake();
    if (wait.isZero()) {
      return next.startCall(call, headers);
    }
    onRefused.run();
    DecimalFormat rate = new DecimalFormat("0.###", DecimalFormatSymbols.getInstance(Locale.ROOT));
    return Refusal.refuse(call, "rate limit of " + rate.format(limit.requestsPerSecond()) + " requests/s (burst "
        + limit.burst() + ") for user " + user + " exceeded; retry later", wait);
  }
}
