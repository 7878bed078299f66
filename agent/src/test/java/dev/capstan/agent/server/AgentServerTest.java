package dev.capstan.agent.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.capstan.agent.runtime.CriLogLine;
import dev.capstan.agent.runtime.LogStream;
import dev.capstan.api.agent.v1.AgentGrpc;
import dev.capstan.api.core.v1.PodLogChunk;
import dev.capstan.api.core.v1.PodLogRequest;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentServerTest {
  private static final Instant T = Instant.parse("2030-01-01T00:00:00.5Z");

  @TempDir Path dir;
  private Path current;
  private Path previous;
  private final AtomicBoolean active = new AtomicBoolean(true);
  private AgentServer server;
  private ManagedChannel channel;

  @BeforeEach
  void setUp() throws IOException {
    current = dir.resolve("app/1.log");
    previous = dir.resolve("app/0.log");
    Files.createDirectories(current.getParent());
    Files.write(previous, record("from before", LogStream.STDOUT, false));
    Files.write(current, new byte[0]);
    append(record("one", LogStream.STDOUT, false));
    append(record("two", LogStream.STDERR, false));
    append(record("thr", LogStream.STDOUT, true));
    append(record("ee", LogStream.STDOUT, false));
    server = AgentServer.start("127.0.0.1", 0, (ns, pod, container, prev) -> {
      if (!ns.equals("default") || !pod.equals("web")) {
        throw Status.NOT_FOUND.withDescription("pod \"" + pod + "\" not found").asRuntimeException();
      }
      return new ContainerLog(prev ? previous : current, prev ? () -> false : active::get);
    });
    channel = Grpc.newChannelBuilder("127.0.0.1:" + server.port(), InsecureChannelCredentials.create()).build();
  }

  @AfterEach
  void tearDown() {
    channel.shutdownNow();
    server.close();
  }

  private static byte[] record(String message, LogStream stream, boolean partial) {
    return new CriLogLine(T, stream, partial, message.getBytes(StandardCharsets.UTF_8)).encode();
  }

  private void append(byte[] bytes) throws IOException {
    Files.write(current, bytes, StandardOpenOption.APPEND);
  }

  private String read(PodLogRequest.Builder request) {
    StringBuilder sb = new StringBuilder();
    if (request.getName().isEmpty()) {
      request.setName("web");
    }
    Iterator<PodLogChunk> it = AgentGrpc.newBlockingStub(channel).log(request.setNamespace("default").build());
    it.forEachRemaining(c -> sb.append(c.getData().toStringUtf8()));
    return sb.toString();
  }

  @Test
  void returnsTheMessagesJoiningPartialRecords() {
    assertThat(read(PodLogRequest.newBuilder())).isEqualTo("one\ntwo\nthree\n");
  }

  @Test
  void prefixesTimestampsWhenAsked() {
    assertThat(read(PodLogRequest.newBuilder().setTimestamps(true)))
        .startsWith("2030-01-01T00:00:00.5Z one\n2030-01-01T00:00:00.5Z two\n");
  }

  @Test
  void tailsTheLastRecords() {
    assertThat(read(PodLogRequest.newBuilder().setTailLines(1))).isEqualTo("ee\n");
    assertThat(read(PodLogRequest.newBuilder().setTailLines(3))).isEqualTo("two\nthree\n");
    assertThat(read(PodLogRequest.newBuilder().setTailLines(100))).isEqualTo("one\ntwo\nthree\n");
    assertThat(read(PodLogRequest.newBuilder().setTailLines(0))).isEmpty();
  }

  @Test
  void readsThePreviousAttempt() {
    assertThat(read(PodLogRequest.newBuilder().setPrevious(true))).isEqualTo("from before\n");
  }

  @Test
  void followStreamsAppendedLinesUntilTheClientCancels() throws IOException {
    StringBuffer received = new StringBuffer();
    AtomicReference<ClientCallStreamObserver<PodLogRequest>> call = new AtomicReference<>();
    AtomicReference<Throwable> ended = new AtomicReference<>();
    AgentGrpc.newStub(channel).log(PodLogRequest.newBuilder().setNamespace("default").setName("web").setFollow(true).build(),
        new ClientResponseObserver<PodLogRequest, PodLogChunk>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<PodLogRequest> requestStream) {
            call.set(requestStream);
          }

          @Override
          public void onNext(PodLogChunk value) {
            received.append(value.getData().toStringUtf8());
          }

          @Override
          public void onError(Throwable t) {
            ended.set(t);
          }

          @Override
          public void onCompleted() {
            ended.set(new IllegalStateException("completed"));
          }
        });
    await().until(() -> received.toString().equals("one\ntwo\nthree\n"));
    append(record("four", LogStream.STDOUT, false));
    await().until(() -> received.toString().equals("one\ntwo\nthree\nfour\n"));
    assertThat(ended.get()).isNull();
    call.get().cancel("done", null);
    await().until(() -> ended.get() != null);
    assertThat(Status.fromThrowable(ended.get()).getCode()).isEqualTo(Status.Code.CANCELLED);
  }

  @Test
  void followEndsWithTheContainer() throws IOException {
    Iterator<PodLogChunk> it = AgentGrpc.newBlockingStub(channel)
        .log(PodLogRequest.newBuilder().setNamespace("default").setName("web").setFollow(true).build());
    StringBuilder sb = new StringBuilder();
    while (!sb.toString().endsWith("three\n")) {
      sb.append(it.next().getData().toStringUtf8());
    }
    append(record("last words", LogStream.STDOUT, false));
    active.set(false);
    it.forEachRemaining(c -> sb.append(c.getData().toStringUtf8()));
    assertThat(sb.toString()).isEqualTo("one\ntwo\nthree\nlast words\n");
  }

  @Test
  void unknownPodsAreNotFound() {
    assertThatThrownBy(() -> read(PodLogRequest.newBuilder().setName("nope")))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
          assertThat(e.getStatus().getDescription()).contains("\"nope\"");
        });
  }

  @Test
  void tailStartCountsRecordsFromTheEnd() throws IOException {
    try (FileChannel ch = FileChannel.open(current)) {
      long size = ch.size();
      assertThat(LogFileStream.tailStart(ch, 0)).isEqualTo(size);
      assertThat(LogFileStream.tailStart(ch, 4)).isZero();
      assertThat(LogFileStream.tailStart(ch, 1)).isEqualTo(size - record("ee", LogStream.STDOUT, false).length);
    }
  }
}
