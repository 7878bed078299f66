package dev.capstan.cli;

import dev.capstan.apiserver.ApiServer;
import dev.capstan.client.CapstanClient;
import dev.capstan.store.local.LocalKeyValueStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * What the command tests run against: an apiserver on an in-memory store in this JVM, a client of
 * it, and the CLI pointed at it with no client config file. Closing stops all three.
 */
final class InProcessApiServer implements AutoCloseable {

  private final LocalKeyValueStore store = new LocalKeyValueStore();
  private final ApiServer server = ApiServer.start(store, 0);
  private final CapstanClient client = CapstanClient.connect("127.0.0.1:" + server.port());
  /** A client config file that does not exist, so no one's own config leaks into a test. */
  private final Path noConfig =
      Path.of(System.getProperty("java.io.tmpdir"), "capstan-no-config-" + UUID.randomUUID(), "config");

  CapstanClient client() {
    return client;
  }

  /** Runs {@code capstan args...} against this server. */
  CliRun capstan(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--config", noConfig.toString(), "-s", "127.0.0.1:" + server.port()));
    return CliRun.of(all.toArray(String[]::new));
  }

  @Override
  public void close() {
    client.close();
    server.close();
    store.close();
  }
}
