package dev.capstan.apiserver.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.api.core.v1.Secret;
import dev.capstan.api.meta.v1.DeleteCollectionRequest;
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
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.FilterWriter;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit log of a real apiserver with authentication: one JSON line per mutating request,
 * allowed or denied, with who, what, which object, the code and the latency; nothing for reads
 * and no object bodies. And the writer's queue never blocks a request.
 */
class AuditLogTest {
  private static final String TOKENS = """
      admin-token,admin,0,"system:masters"
      alice-token,alice,1001,"dev"
      """;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  private static Secret secret(String name, String value) {
    return Secret.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(name))
        .putStringData("password", value).build();
  }

  @Test
  void mutatingRequestsAreWrittenOneJsonLineEachAndReadsAreNot() throws Exception {
    Path file = dir.resolve("logs/audit.log");
    Files.createDirectories(file.getParent());
    Files.writeString(file, "{\"earlier\":true}\n");  // appended to, never truncated
    LocalKeyValueStore store = new LocalKeyValueStore();
    Instant before = Instant.now();
    ApiServer server = ApiServer.start(store, ApiServer.Config.defaults().withPort(0).withBindAddress("127.0.0.1")
        .withAuthentication(new TokenAuthenticator(TokenFile.parse(TOKENS)))
        .withServing(ServingOptions.NONE.withAuditLogPath(file.toString())));
    try (CapstanClient admin = CapstanClient.connect("127.0.0.1:" + server.port(), "admin-token");
        CapstanClient alice = CapstanClient.connect("127.0.0.1:" + server.port(), "alice-token")) {
      Secret created = admin.secrets().create(secret("db", "hunter2-very-secret"));
      StatusRuntimeException denied = (StatusRuntimeException) org.assertj.core.api.Assertions.catchThrowable(() ->
          alice.secrets().update(created.toBuilder().putStringData("password", "stolen-secret").build()));
      assertThat(denied.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      admin.secrets().get("default", "db");
      admin.secrets().list("default");
      CountDownLatch opened = new CountDownLatch(1);
      try (AutoCloseable w = admin.secrets().watch(WatchRequest.newBuilder().build(), new WatchHandler<>() {
        @Override
        public void onEvent(WatchEvent<Secret> event) {
          opened.countDown();
        }

        @Override
        public void onClose(Throwable error) {}
      })) {
        assertThat(opened.await(10, TimeUnit.SECONDS)).isTrue();
      }
      admin.secrets().delete("default", "db");
      assertThatThrownBy(() -> admin.secrets().delete("default", "db")).isInstanceOf(StatusRuntimeException.class);
      admin.secrets().deleteCollection(DeleteCollectionRequest.newBuilder().setNamespace("default").build());
    } finally {
      server.close();  // writes out what is queued
      store.close();
    }

    List<String> lines = Files.readAllLines(file);
    assertThat(lines).hasSize(6);
    assertThat(lines.get(0)).isEqualTo("{\"earlier\":true}");
    assertThat(String.join("\n", lines)).doesNotContain("hunter2").doesNotContain("stolen-secret")
        .doesNotContain("admin-token").doesNotContain("alice-token");
    List<JsonNode> events = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      events.add(JSON.readTree(line));
    }
    assertThat(events).extracting(e -> e.get("verb").asText()).containsExactly("create", "update", "delete", "delete",
        "deletecollection");
    assertThat(events).extracting(e -> e.at("/responseStatus/code").asText())
        .containsExactly("OK", "PERMISSION_DENIED", "OK", "NOT_FOUND", "OK");
    assertThat(events).extracting(e -> e.at("/user/username").asText()).containsExactly("admin", "alice", "admin",
        "admin", "admin");

    JsonNode create = events.get(0);
    assertThat(create.get("apiVersion").asText()).isEqualTo("audit.k8s.io/v1");
    assertThat(create.get("kind").asText()).isEqualTo("Event");
    assertThat(create.get("level").asText()).isEqualTo("Metadata");
    assertThat(create.get("stage").asText()).isEqualTo("ResponseComplete");
    assertThat(create.get("auditID").asText()).isNotBlank();
    assertThat(create.at("/objectRef/resource").asText()).isEqualTo("secrets");
    assertThat(create.at("/objectRef/namespace").asText()).isEqualTo("default");
    assertThat(create.at("/objectRef/name").asText()).isEqualTo("db");
    assertThat(create.at("/user/groups").toString()).contains("system:masters");
    assertThat(create.at("/sourceIPs/0").asText()).isEqualTo("127.0.0.1");
    assertThat(create.get("latencySeconds").asDouble()).isGreaterThan(0).isLessThan(60);
    Instant received = Instant.parse(create.get("requestReceivedTimestamp").asText());
    assertThat(received).isAfterOrEqualTo(before.minusSeconds(1));
    assertThat(Instant.parse(create.get("stageTimestamp").asText())).isAfterOrEqualTo(received);

    JsonNode update = events.get(1);
    assertThat(update.at("/user/uid").asText()).isEqualTo("1001");
    assertThat(update.at("/objectRef/name").asText()).isEqualTo("db");
    JsonNode collection = events.get(4);
    assertThat(collection.at("/objectRef/namespace").asText()).isEqualTo("default");
    assertThat(collection.at("/objectRef").has("name")).isFalse();
  }

  @Test
  void aFullQueueDropsEventsAndCountsThemInsteadOfBlocking() throws Exception {
    CountDownLatch writing = new CountDownLatch(1);
    CountDownLatch diskBack = new CountDownLatch(1);
    StringWriter disk = new StringWriter();
    Writer stalledDisk = new FilterWriter(disk) {
      @Override
      public void write(String str, int off, int len) throws IOException {
        writing.countDown();
        try {
          diskBack.await();
        } catch (InterruptedException e) {
          throw new InterruptedIOException();
        }
        super.write(str, off, len);
      }
    };
    AtomicInteger dropped = new AtomicInteger();
    AuditEvent event = AuditEvent.of(AuditLevel.METADATA, AuditStage.RESPONSE_COMPLETE, "id", Instant.EPOCH,
        Instant.EPOCH, "create", new AuditEvent.User("u", "", List.of()), List.of(),
        new AuditEvent.ObjectRef("pods", "default", "p", "", "v1", ""), new AuditEvent.ResponseStatus("OK", null), null,
        null, 0.001);
    AuditLog log = AuditLog.to(stalledDisk, 2, dropped::incrementAndGet);
    log.record(event);
    assertThat(writing.await(10, TimeUnit.SECONDS)).isTrue();  // the writer holds the first, stuck on the disk
    for (int i = 0; i < 5; i++) {
      log.record(event);  // two fit in the queue, three are dropped, none waits
    }
    assertThat(dropped.get()).isEqualTo(3);
    diskBack.countDown();
    log.close();
    assertThat(disk.toString().lines()).hasSize(3).allSatisfy(l -> assertThat(JSON.readTree(l).get("verb").asText())
        .isEqualTo("create"));
  }
}
