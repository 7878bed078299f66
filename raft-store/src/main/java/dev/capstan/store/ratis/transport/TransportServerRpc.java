package dev.capstan.store.ratis.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ratis.proto.RaftProtos.AppendEntriesReplyProto;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotReplyProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotRequestProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.ReadIndexReplyProto;
import org.apache.ratis.proto.RaftProtos.ReadIndexRequestProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteReplyProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteRequestProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionReplyProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionRequestProto;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.RaftServerRpcWithProxy;
import org.apache.ratis.server.protocol.RaftServerAsynchronousProtocol;
import org.apache.ratis.util.NetUtils;
import org.apache.ratis.util.PeerProxyMap;

/**
 * A Raft server's side of the Capstan transport: it listens on the server's address for the other
 * peers' and clients' requests ({@link RaftRequestHandler}) and sends its own requests to the
 * other peers over one {@link PeerChannel} each. One event loop thread carries both directions.
 */
final class TransportServerRpc extends RaftServerRpcWithProxy<PeerChannel, PeerProxyMap<PeerChannel>> {

  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final RpcType rpcType;
  private final InetSocketAddress listen;
  private final Duration requestTimeout;
  private final EventLoopGroup loop;
  private final ExecutorService blocking;
  private final RaftRequestHandler handler;
  private final TransportTls tls;
  private volatile Channel serverChannel;

  TransportServerRpc(RaftServer server, RpcType rpcType, InetSocketAddress listen, EventLoopGroup loop, TransportTls tls) {
    super(server::getId, id -> new PeerProxyMap<>(id.toString(),
        peer -> new PeerChannel(peer.getId().toString(), NetUtils.createSocketAddr(peer.getAddress()),
            loop, requestTimeout(server), tls)));
    this.tls = tls;
    this.rpcType = rpcType;
    this.listen = listen;
    this.loop = loop;
    this.requestTimeout = requestTimeout(server);
    int instance = INSTANCES.incrementAndGet();
    this.blocking = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "raft-transport-blocking-" + instance);
      t.setDaemon(true);
      return t;
    });
    this.handler = new RaftRequestHandler(server, blocking);
  }

  private static Duration requestTimeout(RaftServer server) {
    return Duration.ofMillis(RaftServerConfigKeys.Rpc.requestTimeout(server.getProperties()).toLong(TimeUnit.MILLISECONDS));
  }

  @Override
  public RpcType getRpcType() {
    return rpcType;
  }

  @Override
  protected void startImpl() throws IOException {
    try {
      serverChannel = new ServerBootstrap()
          .group(loop)
          .channel(TransportLoops.serverChannel(loop))
          .option(ChannelOption.SO_REUSEADDR, true)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              if (tls != null) {
                ch.pipeline().addLast(tls.serverHandler(ch.alloc()));
              }
              FrameCodec.install(ch.pipeline());
              ch.pipeline().addLast(handler);
            }
          })
          .bind(listen)
          .sync()
          .channel();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while binding the Raft transport to " + listen);
    } catch (RuntimeException e) {
      throw new IOException("the Raft transport cannot listen on " + listen + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void closeImpl() throws IOException {
    Channel channel = serverChannel;
    if (channel != null) {
      channel.close().syncUninterruptibly();
    }
    super.closeImpl();
    blocking.shutdownNow();
    loop.shutdownGracefully(0, 100, TimeUnit.MILLISECONDS);
  }

  @Override
  public InetSocketAddress getInetSocketAddress() {
    Channel channel = serverChannel;
    return channel != null ? (InetSocketAddress) channel.localAddress() : listen;
  }

  @Override
  public RequestVoteReplyProto requestVote(RequestVoteRequestProto request) throws IOException {
    return await(call(request.getServerRequest(), Frame.Kind.REQUEST_VOTE, request.toByteArray()),
        RequestVoteReplyProto::parseFrom);
  }

  @Override
  public AppendEntriesReplyProto appendEntries(AppendEntriesRequestProto request) throws IOException {
    return await(call(request.getServerRequest(), Frame.Kind.APPEND_ENTRIES, request.toByteArray()),
        AppendEntriesReplyProto::parseFrom);
  }

  @Override
  public InstallSnapshotReplyProto installSnapshot(InstallSnapshotRequestProto request) throws IOException {
    return await(call(request.getServerRequest(), Frame.Kind.INSTALL_SNAPSHOT, request.toByteArray()),
        InstallSnapshotReplyProto::parseFrom);
  }

  @Override
  public StartLeaderElectionReplyProto startLeaderElection(StartLeaderElectionRequestProto request) throws IOException {
    return await(call(request.getServerRequest(), Frame.Kind.START_LEADER_ELECTION, request.toByteArray()),
        StartLeaderElectionReplyProto::parseFrom);
  }

  @Override
  public RaftServerAsynchronousProtocol async() {
    return new RaftServerAsynchronousProtocol() {
      @Override
      public CompletableFuture<AppendEntriesReplyProto> appendEntriesAsync(AppendEntriesRequestProto request)
          throws IOException {
        return call(request.getServerRequest(), Frame.Kind.APPEND_ENTRIES, request.toByteArray())
            .thenApply(body -> ReplyParser.parseReply(body, AppendEntriesReplyProto::parseFrom));
      }

      @Override
      public CompletableFuture<ReadIndexReplyProto> readIndexAsync(ReadIndexRequestProto request) throws IOException {
        return call(request.getServerRequest(), Frame.Kind.READ_INDEX, request.toByteArray())
            .thenApply(body -> ReplyParser.parseReply(body, ReadIndexReplyProto::parseFrom));
      }
    };
  }

  private CompletableFuture<byte[]> call(RaftRpcRequestProto header, Frame.Kind kind, byte[] body) throws IOException {
    RaftPeerId to = RaftPeerId.valueOf(header.getReplyId());
    return PeerChannel.live(getProxies(), to).call(kind, body, requestTimeout);
  }

  private static <T> T await(CompletableFuture<byte[]> reply, ReplyParser<T> parser) throws IOException {
    try {
      return parser.parse(reply.get());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for a Raft peer's reply");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof IOException io ? io : new IOException(cause);
    }
  }
}
