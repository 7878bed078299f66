package dev.capstan.agent.server;

import dev.capstan.api.agent.v1.AgentGrpc;
import dev.capstan.api.core.v1.NodeStats;
import dev.capstan.api.core.v1.NodeStatsRequest;
import dev.capstan.api.core.v1.PodExecRequest;
import dev.capstan.api.core.v1.PodExecResponse;
import dev.capstan.api.core.v1.PodLogChunk;
import dev.capstan.api.core.v1.PodLogRequest;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The agent's own gRPC endpoint (default port 10250): the {@code capstan.agent.v1.Agent} service,
 * whose Log streams a container's log the way {@code kubectl logs} shows it (the apiserver proxies
 * pods/log here; follow polls the file every 150 ms), whose Exec runs a command in a container
 * and whose Stats reports usage. With {@link AgentTls} (every agent the {@code capstan} binary
 * starts) it serves mutual TLS and answers the apiserver alone, which has authorized its caller;
 * without, plaintext to anyone (agents embedded in tests).
 */
public final class AgentServer implements AutoCloseable {
  static final Duration POLL_INTERVAL = Duration.ofMillis(150);

  private final Server server;
  private final ScheduledExecutorService poller;

  private AgentServer(Server server, ScheduledExecutorService poller) {
    this.server = server;
    this.poller = poller;
  }

  /**
   * Starts serving on {@code bindAddress:port} (port 0: an ephemeral port, see {@link #port()}).
   *
   * @throws UncheckedIOException when the port cannot be bound
   */
  public static AgentServer start(String bindAddress, int port, ContainerLogLocator logs) {
    return start(bindAddress, port, logs, null);
  }

  /** As above, also serving Exec through {@code exec} (null: Exec answers UNIMPLEMENTED). */
  public static AgentServer start(String bindAddress, int port, ContainerLogLocator logs, PodExec exec) {
    return start(bindAddress, port, logs, exec, null);
  }

  /** As above, also serving Stats from {@code stats} (null: Stats answers UNIMPLEMENTED). */
  public static AgentServer start(String bindAddress, int port, ContainerLogLocator logs, PodExec exec,
      Supplier<NodeStats> stats) {
    return start(bindAddress, port, logs, exec, stats, null);
  }

  /** As above, over mutual TLS for the apiserver alone ({@code tls}; null: plaintext for anyone). */
  public static AgentServer start(String bindAddress, int port, ContainerLogLocator logs, PodExec exec,
      Supplier<NodeStats> stats, AgentTls tls) {
    InetSocketAddress address = new InetSocketAddress(bindAddress, port);
    NettyServerBuilder builder = tls == null ? NettyServerBuilder.forAddress(address)
        : NettyServerBuilder.forAddress(address, tls.credentials());  // unreadable certificates fail here, first
    AtomicInteger n = new AtomicInteger();
    ScheduledExecutorService poller = Executors.newScheduledThreadPool(2, r -> {
      Thread t = new Thread(r, "agent-log-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    LogService service = new LogService(logs, poller, exec, stats);
    Server server = builder.addService(tls == null ? service.bindService()
        : ServerInterceptors.intercept(service, new ApiServerOnly(tls.apiserverUser()))).build();
    try {
      server.start();
    } catch (IOException e) {
      poller.shutdownNow();
      throw new UncheckedIOException("agent server: cannot listen on " + bindAddress + ":" + port + ": " + e.getMessage(), e);
    }
    return new AgentServer(server, poller);
  }

  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.shutdownNow();
    poller.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static final class LogService extends AgentGrpc.AgentImplBase {
    private final ContainerLogLocator logs;
    private final ScheduledExecutorService poller;

    private final PodExec exec;
    private final Supplier<NodeStats> stats;

    LogService(ContainerLogLocator logs, ScheduledExecutorService poller, PodExec exec, Supplier<NodeStats> stats) {
      this.logs = logs;
      this.poller = poller;
      this.exec = exec;
      this.stats = stats;
    }

    @Override
    public void stats(NodeStatsRequest request, StreamObserver<NodeStats> responseObserver) {
      if (stats == null) {
        responseObserver.onError(Status.UNIMPLEMENTED.withDescription("this agent does not serve stats")
            .asRuntimeException());
        return;
      }
      try {
        responseObserver.onNext(stats.get());
        responseObserver.onCompleted();
      } catch (RuntimeException e) {
        responseObserver.onError(Status.UNAVAILABLE.withDescription("cannot measure usage: " + e.getMessage())
            .asRuntimeException());
      }
    }

    @Override
    public void exec(PodExecRequest request, StreamObserver<PodExecResponse> responseObserver) {
      if (exec == null) {
        responseObserver.onError(Status.UNIMPLEMENTED.withDescription("this agent does not serve exec")
            .asRuntimeException());
        return;
      }
      try {
        responseObserver.onNext(exec.exec(request));
        responseObserver.onCompleted();
      } catch (StatusRuntimeException e) {
        responseObserver.onError(e);
      }
    }

    @Override
    public void log(PodLogRequest request, StreamObserver<PodLogChunk> responseObserver) {
      try {
        if (request.getName().isEmpty()) {
          throw Status.INVALID_ARGUMENT.withDescription("name: required").asRuntimeException();
        }
        if (request.hasTailLines() && request.getTailLines() < 0) {
          throw Status.INVALID_ARGUMENT.withDescription("tailLines: must be >= 0, got " + request.getTailLines())
              .asRuntimeException();
        }
        String namespace = request.getNamespace().isEmpty() ? "default" : request.getNamespace();
        ContainerLog log = logs.find(namespace, request.getName(), request.getContainer(), request.getPrevious());
        new LogFileStream(log, request.getFollow() && !request.getPrevious(), request.getTimestamps(),
            request.hasTailLines() ? request.getTailLines() : null,
            (ServerCallStreamObserver<PodLogChunk>) responseObserver, poller, POLL_INTERVAL).start();
      } catch (StatusRuntimeException e) {
        responseObserver.onError(e);
      }
    }
  }
}
