package dev.capstan.store.ratis.transport;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The transport's event loops and the channel classes that go with them: Linux epoll where
 * Netty's native library loads (it ships in the jar for x86-64 and aarch64), else Java NIO.
 * Epoll spends less CPU per message (no selected-key set, no wake-up pipe, edge-triggered reads);
 * NIO keeps the transport working everywhere else, and with {@code -Dio.netty.transport.noNative=true}.
 */
final class TransportLoops {

  private TransportLoops() {
  }

  /** One event-loop thread, named {@code name-N}, daemon. */
  static EventLoopGroup newLoop(String name) {
    AtomicInteger threads = new AtomicInteger();
    ThreadFactory factory = r -> {
      Thread t = new Thread(r, name + "-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
    return Epoll.isAvailable() ? new EpollEventLoopGroup(1, factory) : new NioEventLoopGroup(1, factory);
  }

  static Class<? extends ServerChannel> serverChannel(EventLoopGroup loop) {
    return loop instanceof EpollEventLoopGroup ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  static Class<? extends SocketChannel> socketChannel(EventLoopGroup loop) {
    return loop instanceof EpollEventLoopGroup ? EpollSocketChannel.class : NioSocketChannel.class;
  }
}
