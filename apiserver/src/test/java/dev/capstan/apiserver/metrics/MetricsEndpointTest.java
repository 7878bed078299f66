package dev.capstan.apiserver.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.meta.v1.WatchRequest;
import dev.capstan.apiserver.ApiServer;
import dev.capstan.apiserver.ServingOptions;
import dev.capstan.apiserver.authn.TokenAuthenticator;
import dev.capstan.apiserver.authn.TokenFile;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.WatchEvent;
import dev.capstan.client.WatchHandler;
import dev.capstan.store.local.LocalKeyValueStore;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real apiserver with authentication, its {@code /metrics} scraped over HTTP: request counts
 * and latency by kind, verb and code (failures included), open watchers and watch cache sizes.
 */
class MetricsEndpointTest {
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)$");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  private LocalKeyValueStore store;
  private ApiServer server;
  private CapstanClient admin;
  private CapstanClient anonymous;

  @BeforeEach
  void start() {
    store = new LocalKeyValueStore();
    server = ApiServer.start(store, ApiServer.Config.defaults().withPort(0).withBindAddress("127.0.0.1")
        .withAuthentication(new TokenAuthenticator(TokenFile.parse("admin-token,admin,0,\"system:masters\"\n")))
        .withServing(ServingOptions.NONE.withMetricsPort(0)));
    admin = CapstanClient.connect("127.0.0.1:" + server.port(), "admin-token");
    anonymous = CapstanClient.connect("127.0.0.1:" + server.port());
  }

  @AfterEach
  void stop() {
    admin.close();
    anonymous.close();
    server.close();
    store.close();
  }

  private static ConfigMap configMap(String name) {
    return ConfigMap.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(name))
        .putData("k", "v").build();
  }

  private String scrape() throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + server.metricsPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  /** The value of the sample {@code name} with exactly these labels (plus any others). */
  private static Optional<Double> sample(String text, String name, Map<String, String> labels) {
    for (String line : text.split("\n")) {
      Matcher m = SAMPLE.matcher(line);
      if (!m.matches() || !m.group(1).equals(name)) {
        continue;
      }
      Map<String, String> found = new TreeMap<>();
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          found.put(l.group(1), l.group(2));
        }
      }
      if (found.entrySet().containsAll(labels.entrySet())) {
        return Optional.of(Double.parseDouble(m.group(3)));
      }
    }
    return Optional.empty();
  }

  @Test
  void requestsAreCountedAndTimedByKindVerbAndCode() throws Exception {
    admin.configMaps().create(configMap("a"));
    admin.configMaps().create(configMap("b"));
    admin.configMaps().get("default", "a");
    assertThatThrownBy(() -> admin.configMaps().get("default", "missing")).isInstanceOf(StatusRuntimeException.class);
    assertThatThrownBy(() -> anonymous.pods().list("default")).isInstanceOf(StatusRuntimeException.class);

    String text = scrape();
    assertThat(sample(text, "capstan_apiserver_requests_total",
        Map.of("kind", "configmaps", "verb", "create", "code", "OK"))).contains(2.0);
    assertThat(sample(text, "capstan_apiserver_requests_total",
        Map.of("kind", "configmaps", "verb", "get", "code", "OK"))).contains(1.0);
    assertThat(sample(text, "capstan_apiserver_requests_total",
        Map.of("kind", "configmaps", "verb", "get", "code", "NOT_FOUND"))).contains(1.0);
    assertThat(sample(text, "capstan_apiserver_requests_total",
        Map.of("kind", "pods", "verb", "list", "code", "UNAUTHENTICATED"))).contains(1.0);
    assertThat(sample(text, "capstan_apiserver_request_duration_seconds_count",
        Map.of("kind", "configmaps", "verb", "create", "code", "OK"))).contains(2.0);
    assertThat(sample(text, "capstan_apiserver_request_duration_seconds_bucket",
        Map.of("kind", "configmaps", "verb", "create", "code", "OK", "le", "+Inf"))).contains(2.0);
    assertThat(sample(text, "capstan_apiserver_request_duration_seconds_sum",
        Map.of("kind", "configmaps", "verb", "create", "code", "OK"))).hasValueSatisfying(s -> assertThat(s)
        .isGreaterThan(0).isLessThan(60));
    assertThat(text).contains("# TYPE capstan_apiserver_requests_total counter")
        .contains("# TYPE capstan_apiserver_request_duration_seconds histogram")
        .contains("jvm_memory_used_bytes");
  }

  @Test
  void watchersAndWatchCacheSizesAreGaugesPerKind() throws Exception {
    admin.configMaps().create(configMap("a"));
    admin.configMaps().create(configMap("b"));
    WatchHandler<ConfigMap> ignore = new WatchHandler<>() {
      @Override
      public void onEvent(WatchEvent<ConfigMap> event) {}

      @Override
      public void onClose(Throwable error) {}
    };
    try (AutoCloseable w1 = admin.configMaps().watch(WatchRequest.newBuilder().setNamespace("default").build(), ignore);
        AutoCloseable w2 = admin.configMaps().watch(WatchRequest.newBuilder().build(), ignore)) {
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        String text = scrape();
        assertThat(sample(text, "capstan_apiserver_watchers", Map.of("kind", "configmaps"))).contains(2.0);
        assertThat(sample(text, "capstan_apiserver_watchers", Map.of("kind", "pods"))).contains(0.0);
        assertThat(sample(text, "capstan_apiserver_watch_cache_objects", Map.of("kind", "configmaps"))).contains(2.0);
        assertThat(sample(text, "capstan_apiserver_watch_cache_window_events", Map.of("kind", "configmaps")))
            .contains(2.0);
        // the four namespaces the apiserver creates on start were listed, not watched in
        assertThat(sample(text, "capstan_apiserver_watch_cache_objects", Map.of("kind", "namespaces"))).contains(4.0);
      });
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      String text = scrape();
      assertThat(sample(text, "capstan_apiserver_watchers", Map.of("kind", "configmaps"))).contains(0.0);
      assertThat(sample(text, "capstan_apiserver_requests_total",
          Map.of("kind", "configmaps", "verb", "watch", "code", "CANCELLED"))).contains(2.0);
      assertThat(sample(text, "capstan_apiserver_request_duration_seconds_count",
          Map.of("kind", "configmaps", "verb", "watch"))).isEmpty();
    });
  }
}
