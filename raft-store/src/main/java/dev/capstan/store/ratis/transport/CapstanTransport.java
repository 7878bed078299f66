package dev.capstan.store.ratis.transport;

import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import org.apache.ratis.client.ClientFactory;
import org.apache.ratis.client.RaftClientRpc;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.rpc.RpcFactory;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerRpc;
import org.apache.ratis.server.ServerFactory;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppender;

/**
 * Capstan's own Raft transport for Ratis: length-prefixed protobuf frames over one TCP connection
 * per pair of peers (and per client and server), served on Netty event loops with no further
 * hand-off before Ratis' own threads. Ratis' gRPC transport, which it replaces, crossed an HTTP/2
 * stack and handed every message from the event loop to gRPC's executor; on a small machine those
 * crossings were most of a write's cost (docs/benchmarks.md, "Capstan's own Raft transport").
 *
 * <p>Named by its class in a server's or client's properties ({@link #use}, {@link #listenOn});
 * mutual TLS when the factory's {@link Parameters} carry a {@link TransportTls} under {@link #TLS},
 * else plaintext.
 */
public final class CapstanTransport implements RpcType {

  private static final String HOST = "capstan.transport.host";
  private static final String PORT = "capstan.transport.port";
  /** The {@link Parameters} key of the optional {@link TransportTls}; without it, plaintext. */
  public static final String TLS = "capstan.transport.tls";
  /** The {@link Parameters} key of an optional {@link AppenderRegistry}. */
  public static final String APPENDER_REGISTRY = "capstan.transport.appenderRegistry";

  /** Selects this transport in a Raft server's or client's {@code properties}. */
  public static void use(RaftProperties properties) {
    org.apache.ratis.RaftConfigKeys.Rpc.setType(properties, new CapstanTransport());
  }

  /** Selects this transport in a Raft server's {@code properties}, listening on {@code host:port}. */
  public static void listenOn(RaftProperties properties, String host, int port) {
    use(properties);
    properties.set(HOST, host);
    properties.setInt(PORT, port);
  }

  @Override
  public String name() {
    return CapstanTransport.class.getName();
  }

  @Override
  public RpcFactory newFactory(Parameters parameters) {
    AppenderRegistry registry = parameters == null ? null : parameters.get(APPENDER_REGISTRY, AppenderRegistry.class);
    TransportTls tls = parameters == null ? null : parameters.get(TLS, TransportTls.class);
    return new Factory(this, registry, tls);
  }

  private static final class Factory implements ServerFactory, ClientFactory {
    private static final AppenderRegistry NONE = new AppenderRegistry() {
      @Override
      public void register(LogAppender appender) {
      }

      @Override
      public void unregister(LogAppender appender) {
      }
    };

    private final CapstanTransport type;
    private final AppenderRegistry registry;
    private final TransportTls tls;

    Factory(CapstanTransport type, AppenderRegistry registry, TransportTls tls) {
      this.type = type;
      this.registry = registry == null ? NONE : registry;
      this.tls = tls;
    }

    @Override
    public RpcType getRpcType() {
      return type;
    }

    @Override
    public RaftServerRpc newRaftServerRpc(RaftServer server) {
      RaftProperties properties = server.getProperties();
      String host = properties.get(HOST, "0.0.0.0");
      int port = properties.getInt(PORT, 0);
      EventLoopGroup loop = TransportLoops.newLoop("raft-transport-" + port);
      return new TransportServerRpc(server, type, new InetSocketAddress(host, port), loop, tls);
    }

    @Override
    public LogAppender newLogAppender(RaftServer.Division server, LeaderState state, FollowerInfo follower) {
      return new TransportLogAppender(server, state, follower, registry);
    }

    @Override
    public RaftClientRpc newRaftClientRpc(ClientId clientId, RaftProperties properties) {
      return new TransportClientRpc(clientId.toString(), properties, ClientLoop.get(), tls);
    }
  }

  /** The event loop all Raft clients of this JVM share: created on first use, never stopped. */
  private static final class ClientLoop {
    private static final EventLoopGroup LOOP = TransportLoops.newLoop("raft-transport-client");

    static EventLoopGroup get() {
      return LOOP;
    }
  }
}
