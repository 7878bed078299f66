package dev.capstan.agent.runtime.cri;

import dev.capstan.cri.v1.ImageServiceGrpc;
import dev.capstan.cri.v1.RuntimeServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC connection to a CRI runtime's Unix socket (containerd's {@code containerd.sock}), with
 * blocking stubs for the {@code runtime.v1} RuntimeService and ImageService. Every call gets a
 * deadline, so a hung runtime turns into {@code DEADLINE_EXCEEDED} instead of a stuck agent.
 *
 * <p>The connection is made lazily and re-made by gRPC after the runtime restarts, so one client
 * outlives restarts of the runtime behind the socket. Linux only (Netty epoll domain sockets).
 */
public final class CriClient implements AutoCloseable {
  /** The deadline of calls that only read or change runtime bookkeeping. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  private final Path socket;
  private final EpollEventLoopGroup eventLoop;
  private final ManagedChannel channel;

  /**
   * @param socket the runtime's gRPC socket; need not exist yet
   * @throws IllegalStateException when Netty's native epoll transport cannot be loaded here
   */
  public CriClient(Path socket) {
    if (!Epoll.isAvailable()) {
      throw new IllegalStateException("CRI over a Unix socket needs Netty's native epoll transport: "
          + Epoll.unavailabilityCause());
    }
    this.socket = socket.toAbsolutePath();
    // One event-loop thread is plenty for one local socket; daemon so it never holds the JVM up.
    this.eventLoop = new EpollEventLoopGroup(1, r -> {
      Thread t = new Thread(r, "cri-client");
      t.setDaemon(true);
      return t;
    });
    this.channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(this.socket.toString()))
        .eventLoopGroup(eventLoop)
        .channelType(EpollDomainSocketChannel.class)
        .usePlaintext()
        // containerd's default message limit is 16 MiB; ListContainers on a busy node can be large.
        .maxInboundMessageSize(16 * 1024 * 1024)
        .build();
  }

  /** The socket this client talks to. */
  public Path socket() {
    return socket;
  }

  /** RuntimeService with {@link #DEFAULT_TIMEOUT}. */
  public RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime() {
    return runtime(DEFAULT_TIMEOUT);
  }

  /** RuntimeService with the given deadline, for calls that wait (StopContainer, RunPodSandbox). */
  public RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime(Duration timeout) {
    return RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** ImageService with the given deadline. */
  public ImageServiceGrpc.ImageServiceBlockingStub images(Duration timeout) {
    return ImageServiceGrpc.newBlockingStub(channel).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}
