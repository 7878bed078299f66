package dev.capstan.store.etcd;

import dev.capstan.store.ratis.RaftStorePeer;
import dev.capstan.store.ratis.TestCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Three (or more) Raft store peers on loopback, each serving an etcd endpoint on a free port. */
final class EtcdTestCluster implements AutoCloseable {

  private final TestCluster raft;
  private final Map<String, Integer> ports = new LinkedHashMap<>();
  private final List<EtcdEndpoint> endpoints = new ArrayList<>();

  EtcdTestCluster(Path dir, int size, RaftStorePeer.Tuning tuning, Clock clock) {
    raft = new TestCluster(dir, size, tuning, clock).startAll();
    raft.ids().forEach(id -> ports.put(id, TestCluster.freePort()));
    Map<String, List<String>> clientUrls = new LinkedHashMap<>();
    ports.forEach((id, port) -> clientUrls.put(id, List.of("http://127.0.0.1:" + port)));
    try {
      for (String id : raft.ids()) {
        endpoints.add(EtcdEndpoint.start(raft.peer(id), raft.store(id),
            new InetSocketAddress("127.0.0.1", ports.get(id)), clientUrls));
      }
    } catch (IOException e) {
      close();
      throw new UncheckedIOException(e);
    }
    raft.awaitLeader();
  }

  /**
   * Starts a new member {@code id} that waits to be added (empty group) and its etcd endpoint on
   * a free port; returns its Raft address.
   */
  String startJoining(String id) {
    String address = raft.reserve(id);
    RaftStorePeer peer = raft.startJoining(id);
    int port = TestCluster.freePort();
    try {
      endpoints.add(EtcdEndpoint.start(peer, raft.store(id), new InetSocketAddress("127.0.0.1", port),
          Map.of(id, List.of("http://127.0.0.1:" + port))));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ports.put(id, port);
    return address;
  }

  TestCluster raft() {
    return raft;
  }

  /** The etcd endpoints as {@code 127.0.0.1:port}, in peer order. */
  List<String> endpoints() {
    return ports.values().stream().map(port -> "127.0.0.1:" + port).toList();
  }

  int port(String peerId) {
    return ports.get(peerId);
  }

  @Override
  public void close() {
    endpoints.forEach(EtcdEndpoint::close);
    raft.close();
  }
}
