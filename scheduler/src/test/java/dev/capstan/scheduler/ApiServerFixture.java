package dev.capstan.scheduler;

import dev.capstan.apiserver.ApiServer;
import dev.capstan.client.CapstanClient;
import dev.capstan.store.local.LocalKeyValueStore;

/** A real apiserver on an in-memory store on a loopback port, and a client connected to it. */
final class ApiServerFixture implements AutoCloseable {
  final LocalKeyValueStore store = new LocalKeyValueStore();
  final ApiServer server = ApiServer.start(store, 0);
  final CapstanClient client = CapstanClient.connect("127.0.0.1:" + server.port());

  @Override
  public void close() {
    client.close();
    server.close();
    store.close();
  }
}
