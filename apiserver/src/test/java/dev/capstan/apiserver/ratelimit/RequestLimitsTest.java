package dev.capstan.apiserver.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.rpc.RetryInfo;
import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.meta.v1.WatchRequest;
import dev.capstan.apiserver.ApiServer;
import dev.capstan.apiserver.ServingOptions;
import dev.capstan.apiserver.authn.TokenAuthenticator;
import dev.capstan.apiserver.authn.TokenFile;
import dev.capstan.client.CapstanClient;
import dev.capstan.store.local.LocalKeyValueStore;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real apiserver with a per-user rate limit on a manual clock, and its request size limit:
 * both answer RESOURCE_EXHAUSTED saying which limit was exceeded.
 */
class RequestLimitsTest {
  private static final String TOKENS = """
      admin-token,admin,0,"system:masters"
      bob-token,bob,1002,"system:masters"
      """;
  private final ManualClock clock = new ManualClock();
  private LocalKeyValueStore store;
  private ApiServer server;
  private CapstanClient admin;
  private CapstanClient bob;

  @BeforeEach
  void start() {
    store = new LocalKeyValueStore();
    server = ApiServer.start(store, ApiServer.Config.defaults().withPort(0).withBindAddress("127.0.0.1")
        .withClock(clock).withAuthentication(new TokenAuthenticator(TokenFile.parse(TOKENS)))
        .withServing(ServingOptions.NONE.withRateLimit(new RateLimit(2, 3)).withMetricsPort(0)));
    admin = CapstanClient.connect("127.0.0.1:" + server.port(), "admin-token");
    bob = CapstanClient.connect("127.0.0.1:" + server.port(), "bob-token");
  }

  @AfterEach
  void stop() {
    admin.close();
    bob.close();
    server.close();
    store.close();
  }

  private static ConfigMap configMap(String name, int bytes) {
    return ConfigMap.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(name))
        .putData("blob", "x".repeat(bytes)).build();
  }

  @Test
  void eachUserGetsTheirOwnBucketAndTheRefusalSaysWhichLimitAndWhenToRetry() throws Exception {
    // a watch counts once, when it starts, however long it runs
    FirstEvent<ConfigMap> watching = new FirstEvent<>();
    try (AutoCloseable watch = admin.configMaps().watch(WatchRequest.newBuilder().setNamespace("default").build(),
        watching)) {
      admin.configMaps().create(configMap("a", 1));
      watching.await();
      admin.configMaps().get("default", "a");

      StatusRuntimeException refused = catchThrowableOfType(() -> admin.configMaps().get("default", "a"),
          StatusRuntimeException.class);
      assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(refused.getStatus().getDescription())
          .isEqualTo("rate limit of 2 requests/s (burst 3) for user admin exceeded; retry later");
      RetryInfo retry = StatusProto.fromThrowable(refused).getDetails(0).unpack(RetryInfo.class);
      assertThat(retry.getRetryDelay().getNanos()).isEqualTo(500_000_000);

      assertThat(bob.configMaps().get("default", "a").getData()).containsKey("blob");  // bob is not limited by admin
      // health checks are not API requests and are never limited
      for (int i = 0; i < 10; i++) {
        HealthGrpc.newBlockingStub(admin.channel()).check(HealthCheckRequest.getDefaultInstance());
      }
      clock.advance(Duration.ofMillis(500));
      assertThat(admin.configMaps().get("default", "a").getMetadata().getName()).isEqualTo("a");

      String metrics = MetricsPage.of(server);
      assertThat(metrics).contains("capstan_apiserver_rate_limited_requests_total 1.0")
          .contains("capstan_apiserver_requests_total{code=\"RESOURCE_EXHAUSTED\",kind=\"configmaps\",verb=\"get\"} 1.0");
    }
  }

  @Test
  void anOversizedRequestIsResourceExhaustedNamingTheLimit() {
    StatusRuntimeException tooBig = catchThrowableOfType(() -> admin.configMaps().create(configMap("big",
        4 * 1024 * 1024)), StatusRuntimeException.class);
    assertThat(tooBig.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(tooBig.getStatus().getDescription()).contains("3145728");
  }
}
