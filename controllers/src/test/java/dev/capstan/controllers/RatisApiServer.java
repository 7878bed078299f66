package dev.capstan.controllers;

import dev.capstan.apiserver.ApiServer;
import dev.capstan.client.CapstanClient;
import dev.capstan.store.ratis.RaftStorePeer;
import dev.capstan.store.ratis.RatisKeyValueStore;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;

/**
 * An apiserver on a real single-peer Ratis store in this JVM, on loopback ports, and a client of
 * it: the harness of the controller tests that want the real store under the API.
 * {@link #close} closes all of it, whatever fails on the way.
 */
final class RatisApiServer implements AutoCloseable {
  private final RaftStorePeer peer;
  private final RatisKeyValueStore store;
  private final ApiServer server;
  private final CapstanClient client;

  private RatisApiServer(RaftStorePeer peer, RatisKeyValueStore store, ApiServer server, CapstanClient client) {
    this.peer = peer;
    this.store = store;
    this.server = server;
    this.client = client;
  }

  /** Starts the peer with its data in {@code dir}, then the apiserver on it. */
  static RatisApiServer start(Path dir) throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    RaftStorePeer peer = RaftStorePeer.startSingle(dir.resolve("store"), port);
    RatisKeyValueStore store = new RatisKeyValueStore(peer);
    ApiServer server = ApiServer.start(store, 0);
    return new RatisApiServer(peer, store, server, CapstanClient.connect("127.0.0.1:" + server.port()));
  }

  CapstanClient client() {
    return client;
  }

  @Override
  public void close() {
    for (AutoCloseable c : new AutoCloseable[] {client, server, store, peer}) {
      try {
        c.close();
      } catch (Exception e) {
        // keep closing the rest
      }
    }
  }
}
