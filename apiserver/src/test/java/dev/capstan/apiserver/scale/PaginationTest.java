package dev.capstan.apiserver.scale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.meta.v1.ListRequest;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.apiserver.ApiServer;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.ListResult;
import dev.capstan.store.local.LocalKeyValueStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * List with limit and continue over many objects while writes go on: every page is read at the
 * first page's revision, so the pages together hold each object that existed then exactly once,
 * and nothing created or deleted later.
 */
class PaginationTest {
  private static final int OBJECTS = 10_000;

  private LocalKeyValueStore store;
  private ApiServer server;
  private CapstanClient client;

  @BeforeEach
  void start() {
    store = new LocalKeyValueStore();
    server = ApiServer.start(store, 0);
    client = CapstanClient.connect("127.0.0.1:" + server.port());
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
    store.close();
  }

  private static ConfigMap configMap(String name) {
    return ConfigMap.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name).setNamespace("default"))
        .putData("k", "v").build();
  }

  @Test
  void pagesReturnEachObjectExactlyOnceWhileWritesGoOn() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<?>> creates = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      int worker = t;
      creates.add(pool.submit(() -> {
        for (int i = worker; i < OBJECTS; i += 8) {
          client.configMaps().create(configMap(String.format("cm-%05d", i)));
        }
      }));
    }
    for (Future<?> f : creates) {
      f.get();
    }

    AtomicBoolean paging = new AtomicBoolean(true);
    AtomicInteger churn = new AtomicInteger();
    Future<?> writer = null;
    Set<String> seen = new HashSet<>();
    List<String> duplicates = new ArrayList<>();
    String token = "";
    String firstVersion = null;
    int pages = 0;
    do {
      ListResult<ConfigMap> page = client.configMaps().listPage(ListRequest.newBuilder()
          .setNamespace("default").setLimit(500).setContinue(token).build());
      if (firstVersion == null) {
        firstVersion = page.resourceVersion();
        // From the first page on, writers churn: new objects appear, old ones go and come back.
        writer = pool.submit(() -> {
          int i = 0;
          while (paging.get()) {
            client.configMaps().create(configMap("late-" + i));
            client.configMaps().delete("default", String.format("cm-%05d", i * 7 % OBJECTS));
            client.configMaps().create(configMap(String.format("cm-%05d", i * 7 % OBJECTS)));
            churn.incrementAndGet();
            i++;
          }
        });
        // The rest of the pages are read only once the churn has really begun.
        await().atMost(Duration.ofSeconds(30)).until(() -> churn.get() >= 20);
      }
      assertThat(page.resourceVersion()).as("every page is read at the first page's revision").isEqualTo(firstVersion);
      assertThat(page.items().size()).isLessThanOrEqualTo(500);
      for (ConfigMap cm : page.items()) {
        if (!seen.add(cm.getMetadata().getName())) {
          duplicates.add(cm.getMetadata().getName());
        }
      }
      token = page.continueToken();
      pages++;
    } while (!token.isEmpty());
    paging.set(false);
    writer.get();
    pool.shutdown();

    assertThat(churn.get()).as("writes went on while paging").isPositive();
    assertThat(duplicates).isEmpty();
    assertThat(pages).isEqualTo(OBJECTS / 500);
    assertThat(seen).hasSize(OBJECTS).allMatch(n -> n.startsWith("cm-"));
  }
}
