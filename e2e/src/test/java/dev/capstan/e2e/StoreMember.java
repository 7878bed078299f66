package dev.capstan.e2e;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@code capstan store} process of an end-to-end test: its name, its Raft and client ports
 * on loopback, its data dir and log under the test's directory.
 */
final class StoreMember {
  final String name;
  final int raftPort = CapstanBinary.freePort();
  final int clientPort = CapstanBinary.freePort();
  private final CapstanBinary capstan;
  private final Path dir;
  DaemonProcess process;

  StoreMember(CapstanBinary capstan, Path dir, String name) {
    this.capstan = capstan;
    this.dir = dir;
    this.name = name;
  }

  /** This member's {@code --initial-cluster} entry. */
  String peer() {
    return name + "=127.0.0.1:" + raftPort;
  }

  /** Its etcd endpoint. */
  String endpoint() {
    return "127.0.0.1:" + clientPort;
  }

  /** The command line that starts it, {@code extra} flags last. */
  List<String> args(String initialCluster, String state, List<String> extra) {
    List<String> args = new ArrayList<>(List.of("store", "--name", name, "--data-dir", dir.resolve(name).toString(),
        "--raft-port", Integer.toString(raftPort), "--client-port", Integer.toString(clientPort),
        "--initial-cluster", initialCluster, "--initial-cluster-state", state));
    args.addAll(extra);
    return args;
  }

  /** Starts it; {@link DaemonProcess#awaitReady()} on {@link #process} waits until it is up. */
  void start(String initialCluster, String state, List<String> extra) throws Exception {
    process = DaemonProcess.start(capstan, name, dir.resolve(name + ".log"), "capstan store \"" + name + "\" is up",
        args(initialCluster, state, extra));
  }

  void close() {
    if (process != null) {
      process.close();
    }
  }
}
