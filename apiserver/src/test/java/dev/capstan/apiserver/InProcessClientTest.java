package dev.capstan.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.apiserver.authn.TokenAuthenticator;
import dev.capstan.apiserver.authn.TokenFile;
import dev.capstan.apiserver.authn.UserInfo;
import dev.capstan.api.meta.v1.WatchRequest;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.ResourceClient;
import dev.capstan.client.WatchEvent;
import dev.capstan.client.WatchHandler;
import dev.capstan.store.local.LocalKeyValueStore;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Clients of the apiserver inside its own process (the scheduler's and controllers'): they act
 * as the user they were made for, under the same authorization, and their tokens are good for
 * the in-process server only.
 */
class InProcessClientTest {
  private static final String TOKENS = """
      admin-token,admin,0,"system:masters"
      """;
  private final LocalKeyValueStore store = new LocalKeyValueStore();
  private ApiServer server;

  @BeforeEach
  void start() {
    server = ApiServer.start(store, ApiServer.Config.defaults().withPort(0).withBindAddress("127.0.0.1")
        .withAuthentication(new TokenAuthenticator(TokenFile.parse(TOKENS))));
  }

  @AfterEach
  void stop() {
    server.close();
    store.close();
  }

  @Test
  void anInProcessClientActsAsItsUserUnderTheSameAuthorization() {
    try (CapstanClient masters = server.inProcessClient(new UserInfo("ops", "", List.of("system:masters")));
        CapstanClient nobody = server.inProcessClient(new UserInfo("nobody", "", List.of()))) {
      ConfigMap created = masters.configMaps().create(ConfigMap.newBuilder()
          .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName("a")).putData("k", "v").build());
      assertThat(created.getMetadata().getUid()).isNotEmpty();
      assertThat(masters.configMaps().get("default", "a")).isEqualTo(created);

      StatusRuntimeException denied = catchThrowableOfType(() -> nobody.configMaps().get("default", "a"),
          StatusRuntimeException.class);
      assertThat(denied.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(denied.getStatus().getDescription()).contains("nobody");
    }
  }

  @Test
  void aWatchThroughItGetsEveryEventInOrderWellPastTheEventsItAsksForAhead() throws Exception {
    int count = 3 * ResourceClient.WATCH_WINDOW + 7;
    List<String> seen = new CopyOnWriteArrayList<>();
    CompletableFuture<Throwable> closed = new CompletableFuture<>();
    try (CapstanClient masters = server.inProcessClient(new UserInfo("ops", "", List.of("system:masters")))) {
      AutoCloseable watch = masters.configMaps().watch(WatchRequest.newBuilder().setNamespace("default").build(),
          new WatchHandler<>() {
            @Override
            public void onEvent(WatchEvent<ConfigMap> event) {
              seen.add(event.type() + " " + event.object().getMetadata().getName());
            }

            @Override
            public void onClose(Throwable error) {
              closed.complete(error);
            }
          });
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        masters.configMaps().create(ConfigMap.newBuilder()
            .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName("c" + i)).build());
        expected.add(WatchEvent.ADDED + " c" + i);
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() >= count);
      assertThat(seen).containsExactlyElementsOf(expected);
      assertThat(closed).isNotDone();
      watch.close();
      assertThat(closed.get(10, TimeUnit.SECONDS)).isInstanceOf(StatusRuntimeException.class);
    }
  }

  @Test
  void itsTokensAreGoodInTheProcessOnly() {
    String token = server.inProcessToken(new UserInfo("ops", "", List.of("system:masters")));
    try (CapstanClient remote = CapstanClient.connect("127.0.0.1:" + server.port(), token)) {
      StatusRuntimeException refused = catchThrowableOfType(() -> remote.configMaps().list("default"),
          StatusRuntimeException.class);
      assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    }
    // and the network's tokens are not taken in the process
    try (CapstanClient local = server.inProcessClient(new UserInfo("ops", "", List.of("system:masters")))) {
      StatusRuntimeException refused = catchThrowableOfType(() -> dev.capstan.api.core.v1.ConfigMapsGrpc
          .newBlockingStub(local.channelAs("admin-token"))
          .list(dev.capstan.api.meta.v1.ListRequest.newBuilder().setNamespace("default").build()),
          StatusRuntimeException.class);
      assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    }
  }
}
