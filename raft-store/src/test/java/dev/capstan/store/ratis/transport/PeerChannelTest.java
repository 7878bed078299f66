package dev.capstan.store.ratis.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.exceptions.TimeoutIOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A connection to a peer, against hand-written servers on loopback: replies find their calls by
 * id whatever their order, a silent peer times calls out, an absent one fails them at once.
 */
class PeerChannelTest {

  private final EventLoopGroup loop = TransportLoops.newLoop("peer-channel-test");

  @AfterEach
  void close() {
    loop.shutdownGracefully(0, 100, TimeUnit.MILLISECONDS);
  }

  @Test
  void repliesReachTheirOwnCallsInWhateverOrderTheyCome() throws Exception {
    try (ServerSocket server = new ServerSocket(0)) {
      // Reads two requests, answers the second first; each reply's body is its request's, reversed.
      CompletableFuture<Void> peer = CompletableFuture.runAsync(() -> {
        try (Socket s = server.accept()) {
          DataInputStream in = new DataInputStream(s.getInputStream());
          DataOutputStream out = new DataOutputStream(s.getOutputStream());
          Frame first = read(in);
          Frame second = read(in);
          write(out, second);
          write(out, first);
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      });
      try (PeerChannel channel = connect(server)) {
        CompletableFuture<byte[]> a = channel.call(Frame.Kind.CLIENT_REQUEST, bytes("ab"), Duration.ofSeconds(10));
        CompletableFuture<byte[]> b = channel.call(Frame.Kind.CLIENT_REQUEST, bytes("xyz"), Duration.ofSeconds(10));
        assertThat(new String(a.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8)).isEqualTo("ba");
        assertThat(new String(b.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8)).isEqualTo("zyx");
      }
      peer.get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aPeerThatDoesNotAnswerTimesTheCallOut() throws Exception {
    try (ServerSocket server = new ServerSocket(0)) {
      CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
        try {
          return server.accept();
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      });
      try (PeerChannel channel = connect(server)) {
        CompletableFuture<byte[]> call = channel.call(Frame.Kind.APPEND_ENTRIES, bytes("x"), Duration.ofMillis(300));
        assertThat(call).failsWithin(Duration.ofSeconds(10))
            .withThrowableOfType(ExecutionException.class)
            .withCauseInstanceOf(TimeoutIOException.class)
            .withMessageContaining("APPEND_ENTRIES to Raft peer p got no reply within 300 ms");
      } finally {
        accepted.get(10, TimeUnit.SECONDS).close();
      }
    }
  }

  @Test
  void anAbsentPeerFailsTheCallNamingIt() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    try (PeerChannel channel = connect(port)) {
      // The first call may be made before or after the attempt fails, the second surely after:
      // both name the peer and its address.
      for (int call = 0; call < 2; call++) {
        assertThat(channel.call(Frame.Kind.REQUEST_VOTE, bytes("x"), Duration.ofSeconds(10)))
            .failsWithin(Duration.ofSeconds(10))
            .withThrowableOfType(ExecutionException.class)
            .withCauseInstanceOf(IOException.class)
            .withMessageContaining("cannot connect to Raft peer p at /127.0.0.1:" + port)
            .withMessageContaining("Connection refused");
      }
    }
  }

  private PeerChannel connect(ServerSocket server) {
    return connect(server.getLocalPort());
  }

  private PeerChannel connect(int port) {
    return new PeerChannel("p", new InetSocketAddress("127.0.0.1", port), loop, Duration.ofSeconds(5), null);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static Frame read(DataInputStream in) throws IOException {
    int length = in.readInt();
    Frame.Kind kind = Frame.Kind.of(in.readByte());
    long callId = in.readLong();
    byte[] body = new byte[length - 9];
    in.readFully(body);
    return new Frame(kind, callId, body);
  }

  private static void write(DataOutputStream out, Frame request) throws IOException {
    byte[] reversed = new StringBuilder(new String(request.body(), StandardCharsets.UTF_8)).reverse().toString()
        .getBytes(StandardCharsets.UTF_8);
    out.writeInt(9 + reversed.length);
    out.writeByte(Frame.Kind.REPLY.code);
    out.writeLong(request.callId());
    out.write(reversed);
    out.flush();
  }
}
