package dev.capstan.e2e;

import static org.awaitility.Awaitility.await;

import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.meta.v1.WatchRequest;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.WatchEvent;
import dev.capstan.client.WatchHandler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A write through one server seen by a watch on another, as multi-server tests check it. */
final class CrossServerWatch {
  private CrossServerWatch() {}

  /**
   * Watches ConfigMaps in {@code default} through {@code watcher} from its current
   * resourceVersion, creates ConfigMap {@code name} with data {@code from=<from>} through
   * {@code writer}, and returns once the watch has delivered its ADDED event (fails after 10 s).
   */
  static void createAndAwaitAdded(CapstanClient writer, CapstanClient watcher, String name, String from)
      throws Exception {
    List<WatchEvent<ConfigMap>> seen = new CopyOnWriteArrayList<>();
    String rv = watcher.configMaps().list("default").resourceVersion();
    try (AutoCloseable watch = watcher.configMaps().watch(
        WatchRequest.newBuilder().setNamespace("default").setResourceVersion(rv).build(), new WatchHandler<>() {
          @Override
          public void onEvent(WatchEvent<ConfigMap> e) {
            seen.add(e);
          }

          @Override
          public void onClose(Throwable error) {}
        })) {
      writer.configMaps().create(ConfigMap.newBuilder()
          .setMetadata(ObjectMeta.newBuilder().setName(name).setNamespace("default")).putData("from", from).build());
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.stream()
          .anyMatch(e -> e.type().equals(WatchEvent.ADDED) && e.object().getMetadata().getName().equals(name)));
    }
  }
}
