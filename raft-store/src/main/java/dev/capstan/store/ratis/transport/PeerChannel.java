package dev.capstan.store.ratis.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.TimeoutIOException;
import org.apache.ratis.util.IOUtils;
import org.apache.ratis.util.PeerProxyMap;

/**
 * One connection to a Raft peer, over which any number of calls are in flight: each call's
 * future completes on the connection's event loop when the reply with its id arrives, fails
 * when the peer answers with an exception, when the call times out, or when the connection
 * closes. Nothing here blocks, so callers on an event loop are safe: the connection is made in
 * the background and calls made meanwhile wait for it.
 */
final class PeerChannel implements Closeable {

  /** How often a connection looks for calls past their deadline: timeouts are seconds long. */
  private static final long SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final String peer;
  private final InetSocketAddress address;
  private final ChannelFuture connected;
  private final AtomicLong nextCallId = new AtomicLong();
  private final Map<Long, Call> pending = new ConcurrentHashMap<>();
  private volatile boolean closed;

  PeerChannel(String peer, InetSocketAddress address, EventLoopGroup group, Duration connectTimeout, TransportTls tls) {
    this.peer = peer;
    this.address = address;
    this.connected = new Bootstrap()
        .group(group)
        .channel(TransportLoops.socketChannel(group))
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, connectTimeout.toMillis()))
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (tls != null) {
              ch.pipeline().addLast(tls.clientHandler(ch.alloc(), address));
            }
            FrameCodec.install(ch.pipeline());
            ch.pipeline().addLast(new Replies());
          }
        })
        .connect(address);
    connected.addListener(f -> {
      if (!f.isSuccess()) {
        failAll(connectFailure());
      } else {
        // One sweep for all calls' deadlines rather than a timer task per call.
        ScheduledFuture<?> sweep = connected.channel().eventLoop().scheduleAtFixedRate(
            this::expire, SWEEP_NANOS, SWEEP_NANOS, TimeUnit.NANOSECONDS);
        connected.channel().closeFuture().addListener(c -> {
          sweep.cancel(false);
          failAll(new IOException("connection to Raft peer " + peer + " closed"));
        });
      }
    });
  }

  /**
   * The connection to {@code peer} in {@code channels}, made anew if the one there has closed or
   * never connected (a restarted peer is reached again on the next call).
   */
  static PeerChannel live(PeerProxyMap<PeerChannel> channels, RaftPeerId peer) throws IOException {
    PeerChannel channel = channels.getProxy(peer);
    if (channel.isBroken()) {
      channels.resetProxy(peer);
      channel = channels.getProxy(peer);
    }
    return channel;
  }

  private boolean isBroken() {
    return closed || (connected.isDone() && (!connected.isSuccess() || !connected.channel().isActive()));
  }

  /** Sends a request; the future gets the reply frame's body. */
  CompletableFuture<byte[]> call(Frame.Kind kind, byte[] body, Duration timeout) {
    CompletableFuture<Frame> reply = new CompletableFuture<>();
    if (closed) {
      reply.completeExceptionally(new IOException("connection to Raft peer " + peer + " is closed"));
      return reply.thenApply(Frame::body);
    }
    long callId = nextCallId.incrementAndGet();
    long deadline = timeout.isZero() || timeout.isNegative() ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
    pending.put(callId, new Call(kind, reply, deadline, timeout));
    Frame frame = new Frame(kind, callId, body);
    if (connected.isDone()) {
      send(frame, reply);
    } else {
      connected.addListener(f -> send(frame, reply));
    }
    return reply.whenComplete((r, e) -> pending.remove(callId)).thenCompose(PeerChannel::unwrap);
  }

  private void send(Frame frame, CompletableFuture<Frame> reply) {
    if (!connected.isSuccess()) {
      reply.completeExceptionally(connectFailure());
      return;
    }
    Channel channel = connected.channel();
    channel.writeAndFlush(frame).addListener(w -> {
      if (!w.isSuccess()) {
        reply.completeExceptionally(new IOException("cannot send to Raft peer " + peer + ": " + w.cause(), w.cause()));
      }
    });
  }

  /**
   * Why calls fail when the connection could not be made: the same text whether a call was made
   * before or after the attempt failed, naming the peer, its address and the cause.
   */
  private IOException connectFailure() {
    return new IOException("cannot connect to Raft peer " + peer + " at " + address + ": " + connected.cause(),
        connected.cause());
  }

  private void expire() {
    long now = System.nanoTime();
    for (Call call : pending.values()) {
      if (now - call.deadline() > 0 && call.deadline() != Long.MAX_VALUE) {
        call.reply().completeExceptionally(new TimeoutIOException(
            call.kind() + " to Raft peer " + peer + " got no reply within " + call.timeout().toMillis() + " ms"));
      }
    }
  }

  private static CompletableFuture<byte[]> unwrap(Frame frame) {
    if (frame.kind() == Frame.Kind.FAILURE) {
      Throwable failure;
      try {
        failure = IOUtils.bytes2Object(frame.body(), Throwable.class);
      } catch (RuntimeException e) {
        failure = new IOException("a Raft peer failed a request and its exception could not be read", e);
      }
      if (!(failure instanceof IOException)) {
        failure = new IOException("a Raft peer failed a request: " + failure, failure);
      }
      return CompletableFuture.failedFuture(failure);
    }
    return CompletableFuture.completedFuture(frame.body());
  }

  private void failAll(IOException cause) {
    for (Call call : pending.values()) {
      call.reply().completeExceptionally(cause);
    }
  }

  /** Closes the connection without waiting; calls in flight fail. */
  @Override
  public void close() {
    closed = true;
    connected.addListener(f -> {
      if (f.isSuccess()) {
        connected.channel().close();
      }
    });
    failAll(new IOException("connection to Raft peer " + peer + " closed"));
  }

  private record Call(Frame.Kind kind, CompletableFuture<Frame> reply, long deadline, Duration timeout) {
  }

  private final class Replies extends SimpleChannelInboundHandler<Frame> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
      Call call = pending.get(frame.callId());
      if (call != null) {
        call.reply().complete(frame);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      failAll(new IOException("connection to Raft peer " + peer + " failed: " + cause, cause));
      ctx.close();
    }
  }
}
