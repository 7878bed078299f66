package dev.capstan.store.ratis.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.store.ratis.TestCluster;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.Socket;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transport's wire seen from outside, against a real store peer: a request the server cannot
 * serve is still answered (with a failure frame carrying the call's id), and a connection that
 * sends garbage (or an older member's HTTP/2) is dropped without taking the peer down.
 */
class RaftTransportWireTest {

  @TempDir
  Path dir;
  private TestCluster cluster;

  @AfterEach
  void close() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void anUnservableRequestIsAnsweredWithAFailureForItsCall() throws Exception {
    try (Socket socket = connectToAPeer()) {
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      // A group list request with an empty body: no requestor, no group.
      out.writeInt(1 + 8);
      out.writeByte(Frame.Kind.GROUP_LIST.code);
      out.writeLong(42);
      out.flush();
      DataInputStream in = new DataInputStream(socket.getInputStream());
      int length = in.readInt();
      assertThat(length).isGreaterThan(9);
      assertThat(in.readByte()).isEqualTo(Frame.Kind.FAILURE.code);
      assertThat(in.readLong()).isEqualTo(42);
    }
  }

  @Test
  void garbageDropsTheConnectionAndThePeerServesOn() throws Exception {
    try (Socket socket = connectToAPeer()) {
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      out.writeInt(1 + 8);
      out.writeByte(99);
      out.writeLong(1);
      out.flush();
      assertThat(socket.getInputStream().read()).isEqualTo(-1);
    }
    // What a member of a version before the transport sends first: gRPC's HTTP/2 preface.
    try (Socket socket = new Socket("127.0.0.1", raftPort())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      assertThat(socket.getInputStream().read()).isEqualTo(-1);
    }
    cluster.store("s1").put(dev.capstan.etcd.etcdserverpb.PutRequest.newBuilder()
        .setKey(com.google.protobuf.ByteString.copyFromUtf8("/after-garbage")).build()).join();
  }

  /** Starts a one-peer store and opens a plain connection to its Raft port. */
  private Socket connectToAPeer() throws Exception {
    cluster = new TestCluster(dir, 1, TestCluster.FAST).startAll();
    cluster.awaitLeader();
    Socket socket = new Socket("127.0.0.1", raftPort());
    socket.setSoTimeout(10_000);
    return socket;
  }

  private int raftPort() {
    String address = cluster.config("s1").address();
    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
  }
}
