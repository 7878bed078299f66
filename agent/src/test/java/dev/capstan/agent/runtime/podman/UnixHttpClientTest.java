package dev.capstan.agent.runtime.podman;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.agent.runtime.ContainerNotFoundException;
import dev.capstan.agent.runtime.ContainerRuntimeException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link UnixHttpClient} and {@link PodmanClient}'s error mapping against a real Unix socket
 * server in the test that answers each connection with a canned response and records the request.
 */
class UnixHttpClientTest {
  private Path dir;
  private Path socket;
  private ServerSocketChannel server;
  private Thread acceptor;
  private final BlockingQueue<byte[]> responses = new LinkedBlockingQueue<>();
  private final BlockingQueue<String> requests = new LinkedBlockingQueue<>();
  private final CountDownLatch release = new CountDownLatch(1);

  @BeforeEach
  void listen() throws IOException {
    dir = Files.createTempDirectory(Path.of("/tmp"), "uhc");
    socket = dir.resolve("s.sock");
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    acceptor = new Thread(this::serve, "test-unix-server");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  @AfterEach
  void stop() throws Exception {
    release.countDown();
    server.close();
    acceptor.join(5000);
    Files.deleteIfExists(socket);
    Files.deleteIfExists(dir);
  }

  private void serve() {
    while (server.isOpen()) {
      try (SocketChannel c = server.accept()) {
        InputStream in = Channels.newInputStream(c);
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
          int b = in.read();
          if (b < 0) {
            break;
          }
          head.write(b);
        }
        String h = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : h.split("\r\n")) {
          if (line.toLowerCase().startsWith("content-length:")) {
            length = Integer.parseInt(line.substring(15).strip());
          }
        }
        byte[] body = in.readNBytes(length);
        requests.add(h + new String(body, StandardCharsets.UTF_8));
        byte[] response = responses.take();
        if (response.length == 0) {
          release.await(10, TimeUnit.SECONDS); // a server that never answers
        } else {
          c.write(ByteBuffer.wrap(response));
        }
      } catch (IOException | InterruptedException e) {
        return;
      }
    }
  }

  private void respond(String raw) {
    responses.add(raw.getBytes(StandardCharsets.ISO_8859_1));
  }

  @Test
  void readsSizedChunkedAndUntilCloseBodies() throws Exception {
    try (UnixHttpClient http = new UnixHttpClient(socket)) {
      respond("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"a\":\"bc\"}\nEXTRA");
      UnixHttpClient.Response sized = http.send("POST", "/x?y=1", UnixHttpClient.Body.json("{\"q\":1}".getBytes()),
          Duration.ofSeconds(5));
      assertThat(sized.status()).isEqualTo(200);
      assertThat(sized.bodyText()).isEqualTo("{\"a\":\"bc\"}\n");
      assertThat(sized.headers()).containsEntry("content-type", "application/json");
      String request = requests.take();
      assertThat(request).startsWith("POST /x?y=1 HTTP/1.1\r\n").contains("Host: localhost\r\n")
          .contains("Content-Type: application/json\r\n").contains("Content-Length: 7\r\n").endsWith("\r\n\r\n{\"q\":1}");

      respond("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-T: 1\r\n\r\n");
      assertThat(http.send("GET", "/chunked", null, Duration.ofSeconds(5)).bodyText()).isEqualTo("hello, world");

      respond("HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\nraw until close");
      try (UnixHttpClient.StreamingResponse r = http.open("POST", "/stream", null, Duration.ZERO)) {
        assertThat(new String(r.body().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("raw until close");
      }

      respond("HTTP/1.1 204 No Content\r\n\r\n");
      assertThat(http.send("DELETE", "/gone", null, Duration.ofSeconds(5)).body()).isEmpty();
      assertThat(requests.stream().toList()).last().asString().contains("Content-Length: 0\r\n");
    }
  }

  @Test
  void aServerThatDoesNotAnswerInTimeFailsTheRequest() {
    try (UnixHttpClient http = new UnixHttpClient(socket)) {
      responses.add(new byte[0]);
      long start = System.nanoTime();
      assertThatThrownBy(() -> http.send("GET", "/slow", null, Duration.ofMillis(300)))
          .isInstanceOf(IOException.class).hasMessageContaining("GET /slow did not finish within 300 ms");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }
  }

  @Test
  void podmanErrorsNameTheObjectAndCarryPodmansMessage() {
    try (PodmanClient client = new PodmanClient(socket)) {
      respond(json(404, "{\"cause\":\"no such container\",\"message\":\"no container with name or ID \\\"x\\\" found:"
          + " no such container\",\"response\":404}"));
      assertThatThrownBy(() -> client.get("container x", "/containers/x/json"))
          .isInstanceOf(ContainerNotFoundException.class)
          .hasMessage("container x: not found: no container with name or ID \"x\" found: no such container");
      assertThat(requests.poll()).startsWith("GET " + PodmanClient.API + "/containers/x/json HTTP/1.1");

      respond(json(409, "{\"cause\":\"container state improper\",\"message\":\"can only create exec sessions on"
          + " running containers\",\"response\":409}"));
      assertThatThrownBy(() -> client.post("container y: cannot exec", "/containers/y/exec", List.of("sh"),
          Duration.ofSeconds(5)))
          .isExactlyInstanceOf(ContainerRuntimeException.class)
          .hasMessage("container y: cannot exec: can only create exec sessions on running containers (podman HTTP 409)");

      respond("HTTP/1.1 304 Not Modified\r\n\r\n");
      assertThat(client.post("container z: cannot stop", "/containers/z/stop", null, Duration.ofSeconds(5))
          .isMissingNode()).isTrue();
    }
  }

  @Test
  void anUnreachableSocketIsNamed() {
    try (PodmanClient client = new PodmanClient(dir.resolve("absent.sock"))) {
      assertThatThrownBy(() -> client.get("podman version", "/version"))
          .isExactlyInstanceOf(ContainerRuntimeException.class)
          .hasMessageStartingWith("podman version: podman at " + dir.resolve("absent.sock") + " did not answer");
    }
  }

  private static String json(int status, String body) {
    return "HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\nContent-Length: "
        + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
  }
}
