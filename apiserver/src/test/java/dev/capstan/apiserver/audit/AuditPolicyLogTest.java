package dev.capstan.apiserver.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.core.v1.Secret;
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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real apiserver with an audit policy: each request is written at the level of the first rule
 * matching it, with the request body from Request on and the response body at RequestResponse,
 * reads too when a rule says so, a watch when its response starts and when it ends, and nothing
 * at level None.
 */
class AuditPolicyLogTest {
  private static final String TOKENS = """
      admin-token,admin,0,"system:masters"
      quiet-token,quiet,2,"system:masters"
      """;
  private static final String POLICY = """
      apiVersion: audit.k8s.io/v1
      kind: Policy
      omitStages: [RequestReceived]
      rules:
      - level: None
        users: [quiet]
      - level: Metadata
        resources: [{group: "", resources: [secrets]}]
      - level: Metadata
        verbs: [watch]
        omitStages: [ResponseStarted]
      - level: RequestResponse
        resources: [{group: "", resources: [configmaps], resourceNames: [full]}]
      - level: RequestResponse
        verbs: [list]
        resources: [{group: "", resources: [configmaps]}]
      - level: Request
        resources: [{group: "", resources: [configmaps]}]
      """;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;
  private Path file;
  private LocalKeyValueStore store;
  private ApiServer server;
  private CapstanClient admin;
  private CapstanClient quiet;

  @BeforeEach
  void start() {
    file = dir.resolve("audit.log");
    store = new LocalKeyValueStore();
    server = ApiServer.start(store, ApiServer.Config.defaults().withPort(0).withBindAddress("127.0.0.1")
        .withAuthentication(new TokenAuthenticator(TokenFile.parse(TOKENS)))
        .withServing(ServingOptions.NONE.withAuditLogPath(file.toString())
            .withAuditPolicy(AuditPolicyParser.parse(POLICY))));
    admin = CapstanClient.connect("127.0.0.1:" + server.port(), "admin-token");
    quiet = CapstanClient.connect("127.0.0.1:" + server.port(), "quiet-token");
  }

  @AfterEach
  void stop() {
    admin.close();
    quiet.close();
    server.close();
    store.close();
  }

  private static ConfigMap configMap(String name, String value) {
    return ConfigMap.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(name))
        .putData("key", value).build();
  }

  private List<JsonNode> events() {
    List<JsonNode> events = new ArrayList<>();
    try {
      if (!Files.exists(file)) {
        return events;
      }
      for (String line : Files.readAllLines(file)) {
        events.add(JSON.readTree(line));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return events;
  }

  /** The events written so far, once one of them satisfies {@code last}. */
  private List<JsonNode> eventsUntil(Predicate<JsonNode> last) {
    return await().atMost(Duration.ofSeconds(10)).until(this::events, es -> es.stream().anyMatch(last));
  }

  private static Predicate<JsonNode> is(String verb, String resource, String name) {
    return e -> e.get("verb").asText().equals(verb) && e.at("/objectRef/resource").asText().equals(resource)
        && e.at("/objectRef/name").asText().equals(name);
  }

  @Test
  void eachRequestIsWrittenAtItsRulesLevel() {
    admin.secrets().create(Secret.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("default")
        .setName("db")).putStringData("password", "hunter2-very-secret").build());
    admin.configMaps().create(configMap("plain", "plain-value"));
    admin.configMaps().patch("default", "plain", "{\"data\":{\"key\":\"patched-value\"}}");
    admin.configMaps().create(configMap("full", "full-value"));
    admin.configMaps().get("default", "full");
    quiet.configMaps().create(configMap("hushed", "hushed-value"));
    quiet.configMaps().get("default", "full");
    admin.secrets().delete("default", "db");

    List<JsonNode> events = eventsUntil(is("delete", "secrets", "db"));
    assertThat(String.join("\n", events.stream().map(JsonNode::toString).toList()))
        .doesNotContain("hunter2").doesNotContain("hushed");
    assertThat(events).allSatisfy(e -> assertThat(e.at("/user/username").asText()).isEqualTo("admin"));
    assertThat(events).extracting(e -> e.get("verb").asText() + " " + e.at("/objectRef/name").asText() + " "
        + e.get("level").asText()).containsExactly("create db Metadata", "create plain Request",
        "patch plain Request", "create full RequestResponse", "get full RequestResponse", "delete db Metadata");
    assertThat(events).allSatisfy(e -> assertThat(e.get("stage").asText()).isEqualTo("ResponseComplete"));

    JsonNode secret = events.get(0);
    assertThat(secret.has("requestObject")).isFalse();
    assertThat(secret.has("responseObject")).isFalse();
    assertThat(secret.at("/responseStatus/code").asText()).isEqualTo("OK");

    JsonNode request = events.get(1);
    assertThat(request.at("/requestObject/apiVersion").asText()).isEqualTo("v1");
    assertThat(request.at("/requestObject/kind").asText()).isEqualTo("ConfigMap");
    assertThat(request.at("/requestObject/metadata/name").asText()).isEqualTo("plain");
    assertThat(request.at("/requestObject/data/key").asText()).isEqualTo("plain-value");
    assertThat(request.has("responseObject")).isFalse();
    assertThat(events.get(2).get("requestObject")).isEqualTo(JSON.createObjectNode().set("data",
        JSON.createObjectNode().put("key", "patched-value")));  // a patch is recorded as its patch document

    JsonNode created = events.get(3);
    assertThat(created.at("/requestObject/data/key").asText()).isEqualTo("full-value");
    assertThat(created.at("/responseObject/data/key").asText()).isEqualTo("full-value");
    assertThat(created.at("/responseObject/metadata/resourceVersion").asText()).isNotEmpty();  // the stored object
    JsonNode read = events.get(4);
    assertThat(read.at("/requestObject/name").asText()).isEqualTo("full");
    assertThat(read.at("/responseObject/kind").asText()).isEqualTo("ConfigMap");
    assertThat(read.at("/responseObject/data/key").asText()).isEqualTo("full-value");
  }

  @Test
  void aListServedFromTheWatchCacheIsWrittenWithItsResponseAtRequestResponse() {
    admin.configMaps().create(configMap("listed", "listed-value"));
    // the network List from the cache goes out as the stored bytes; the record still holds the list
    await().atMost(Duration.ofSeconds(10)).until(() -> admin.configMaps().list("default").items().size() == 1);
    List<JsonNode> events = eventsUntil(e -> e.get("verb").asText().equals("list"));
    JsonNode list = events.stream().filter(e -> e.get("verb").asText().equals("list")).reduce((a, b) -> b).orElseThrow();
    assertThat(list.get("level").asText()).isEqualTo("RequestResponse");
    assertThat(list.at("/responseObject/items/0/metadata/name").asText()).isEqualTo("listed");
    assertThat(list.at("/responseObject/items/0/data/key").asText()).isEqualTo("listed-value");
  }

  @Test
  void aCreateWithGenerateNameIsWrittenWithTheNameTheServerGaveIt() {
    Secret made = admin.secrets().create(Secret.newBuilder().setMetadata(ObjectMeta.newBuilder()
        .setNamespace("default").setGenerateName("token-")).build());
    String name = made.getMetadata().getName();
    assertThat(name).startsWith("token-").hasSizeGreaterThan("token-".length());
    List<JsonNode> events = eventsUntil(is("create", "secrets", name));
    assertThat(events).singleElement().satisfies(e -> {
      assertThat(e.get("level").asText()).isEqualTo("Metadata");
      assertThat(e.has("responseObject")).isFalse();
    });
  }

  @Test
  void aWatchIsWrittenWhenItsResponseStartsAndWhenItEndsUnlessARuleOmitsAStage() throws Exception {
    admin.secrets().create(Secret.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("default")
        .setName("db")).build());
    admin.configMaps().create(configMap("plain", "v"));
    watchUntilFirstEvent(admin.secrets()::watch, "secrets");
    List<JsonNode> watches = watchUntilFirstEvent(admin.configMaps()::watch, "configmaps").stream()
        .filter(e -> e.get("verb").asText().equals("watch")).toList();
    // secrets: the secrets rule, which omits no stage; configmaps: the watch rule, which omits ResponseStarted
    assertThat(watches).extracting(e -> e.at("/objectRef/resource").asText() + " " + e.get("stage").asText())
        .containsExactly("secrets ResponseStarted", "secrets ResponseComplete", "configmaps ResponseComplete");
    assertThat(watches.get(0).get("auditID")).isEqualTo(watches.get(1).get("auditID"));
    assertThat(watches.get(0).has("responseStatus")).isFalse();
    assertThat(watches.get(1).at("/responseStatus/code").asText()).isEqualTo("CANCELLED");
    assertThat(watches).allSatisfy(e -> assertThat(e.get("level").asText()).isEqualTo("Metadata"));
  }

  private interface Watch<T> {
    AutoCloseable watch(WatchRequest request, WatchHandler<T> handler);
  }

  /** Watches until the first event, stops, and returns the events once the watch's end is written. */
  private <T> List<JsonNode> watchUntilFirstEvent(Watch<T> watch, String resource) throws Exception {
    CountDownLatch opened = new CountDownLatch(1);
    try (AutoCloseable w = watch.watch(WatchRequest.newBuilder().setNamespace("default").build(), new WatchHandler<>() {
      @Override
      public void onEvent(WatchEvent<T> event) {
        opened.countDown();
      }

      @Override
      public void onClose(Throwable error) {}
    })) {
      assertThat(opened.await(10, TimeUnit.SECONDS)).isTrue();
    }
    return eventsUntil(e -> e.get("verb").asText().equals("watch") && e.get("stage").asText().equals("ResponseComplete")
        && e.at("/objectRef/resource").asText().equals(resource));
  }
}
