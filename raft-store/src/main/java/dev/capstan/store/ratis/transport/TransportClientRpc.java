package dev.capstan.store.ratis.transport;

import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.client.impl.ClientProtoUtils;
import org.apache.ratis.client.impl.RaftClientRpcWithProxy;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.GroupInfoReplyProto;
import org.apache.ratis.proto.RaftProtos.GroupListReplyProto;
import org.apache.ratis.proto.RaftProtos.RaftClientReplyProto;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto.TypeCase;
import org.apache.ratis.protocol.GroupInfoRequest;
import org.apache.ratis.protocol.GroupListRequest;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.LeaderElectionManagementRequest;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.SnapshotManagementRequest;
import org.apache.ratis.protocol.TransferLeadershipRequest;
import org.apache.ratis.protocol.exceptions.GroupMismatchException;
import org.apache.ratis.util.JavaUtils;
import org.apache.ratis.util.NetUtils;
import org.apache.ratis.util.PeerProxyMap;

/**
 * A Raft client's side of the Capstan transport: each request goes over one {@link PeerChannel}
 * per server, and its reply completes the request's future on that connection's event loop.
 * Requests to one server leave in the order they are sent, on one connection, and the server hands
 * them to Ratis in that order, which is what Ratis' ordered asynchronous client expects of a
 * transport.
 */
final class TransportClientRpc extends RaftClientRpcWithProxy<PeerChannel> {

  private final Duration requestTimeout;
  private final Duration watchTimeout;

  TransportClientRpc(String name, RaftProperties properties, EventLoopGroup loop, TransportTls tls) {
    super(new PeerProxyMap<>(name, peer -> new PeerChannel(peer.getId().toString(),
        NetUtils.createSocketAddr(clientAddress(peer)),
        loop, millis(RaftClientConfigKeys.Rpc.requestTimeout(properties).toLong(TimeUnit.MILLISECONDS)), tls)));
    this.requestTimeout = millis(RaftClientConfigKeys.Rpc.requestTimeout(properties).toLong(TimeUnit.MILLISECONDS));
    this.watchTimeout = millis(RaftClientConfigKeys.Rpc.watchRequestTimeout(properties).toLong(TimeUnit.MILLISECONDS));
  }

  /** Where a server takes clients' requests: its client address if it has one, else its only one. */
  private static String clientAddress(RaftPeer peer) {
    String client = peer.getClientAddress();
    return client != null && !client.isEmpty() ? client : peer.getAddress();
  }

  private static Duration millis(long ms) {
    return Duration.ofMillis(ms);
  }

  @Override
  public CompletableFuture<RaftClientReply> sendRequestAsync(RaftClientRequest request) {
    return send(request).thenCompose(TransportClientRpc::leaderFailures);
  }

  @Override
  public CompletableFuture<RaftClientReply> sendRequestAsyncUnordered(RaftClientRequest request) {
    return send(request).thenCompose(TransportClientRpc::leaderFailures);
  }

  /**
   * Ratis' asynchronous client retries a request at another server only when its future fails
   * with the server's "not leader" or "leader not ready"; a reply that merely carries them would
   * end the request.
   */
  private static CompletableFuture<RaftClientReply> leaderFailures(RaftClientReply reply) {
    if (reply.getNotLeaderException() != null) {
      return CompletableFuture.failedFuture(reply.getNotLeaderException());
    }
    if (reply.getLeaderNotReadyException() != null) {
      return CompletableFuture.failedFuture(reply.getLeaderNotReadyException());
    }
    return CompletableFuture.completedFuture(reply);
  }

  @Override
  public RaftClientReply sendRequest(RaftClientRequest request) throws IOException {
    try {
      return send(request).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the reply to " + request);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof IOException io ? io : new IOException(cause);
    }
  }

  private CompletableFuture<RaftClientReply> send(RaftClientRequest request) {
    return sendOnce(request).exceptionallyCompose(failure -> CompletableFuture.failedFuture(retryable(request, failure)));
  }

  /**
   * A server that has left the group (a removed member, often the leader that was just removed)
   * answers "group not found"; Ratis' client would give up on the whole group at that. It is
   * one server's answer, so the client is told to try another.
   */
  private static Throwable retryable(RaftClientRequest request, Throwable failure) {
    Throwable cause = JavaUtils.unwrapCompletionException(failure);
    if (cause instanceof GroupMismatchException) {
      return new IOException("Raft server " + request.getServerId() + " does not serve the group (any more): "
          + cause.getMessage(), cause);
    }
    return cause;
  }

  private CompletableFuture<RaftClientReply> sendOnce(RaftClientRequest request) {
    try {
      PeerChannel channel = PeerChannel.live(getProxies(), request.getServerId());
      Duration timeout = timeoutOf(request);
      if (request instanceof SetConfigurationRequest r) {
        return channel.call(Frame.Kind.SET_CONFIGURATION, ClientProtoUtils.toSetConfigurationRequestProto(r).toByteArray(), timeout)
            .thenApply(TransportClientRpc::reply);
      } else if (request instanceof GroupManagementRequest r) {
        return channel.call(Frame.Kind.GROUP_MANAGEMENT, ClientProtoUtils.toGroupManagementRequestProto(r).toByteArray(), timeout)
            .thenApply(TransportClientRpc::reply);
      } else if (request instanceof GroupListRequest r) {
        return channel.call(Frame.Kind.GROUP_LIST, ClientProtoUtils.toGroupListRequestProto(r).toByteArray(), timeout)
            .thenApply(body -> ClientProtoUtils.toGroupListReply(ReplyParser.parseReply(body, GroupListReplyProto::parseFrom)));
      } else if (request instanceof GroupInfoRequest r) {
        return channel.call(Frame.Kind.GROUP_INFO, ClientProtoUtils.toGroupInfoRequestProto(r).toByteArray(), timeout)
            .thenApply(body -> ClientProtoUtils.toGroupInfoReply(ReplyParser.parseReply(body, GroupInfoReplyProto::parseFrom)));
      } else if (request instanceof TransferLeadershipRequest r) {
        return channel.call(Frame.Kind.TRANSFER_LEADERSHIP, ClientProtoUtils.toTransferLeadershipRequestProto(r).toByteArray(), timeout)
            .thenApply(TransportClientRpc::reply);
      } else if (request instanceof SnapshotManagementRequest r) {
        return channel.call(Frame.Kind.SNAPSHOT_MANAGEMENT, ClientProtoUtils.toSnapshotManagementRequestProto(r).toByteArray(), timeout)
            .thenApply(TransportClientRpc::reply);
      } else if (request instanceof LeaderElectionManagementRequest r) {
        return channel.call(Frame.Kind.LEADER_ELECTION_MANAGEMENT,
                ClientProtoUtils.toLeaderElectionManagementRequestProto(r).toByteArray(), timeout)
            .thenApply(TransportClientRpc::reply);
      }
      return channel.call(Frame.Kind.CLIENT_REQUEST, ClientProtoUtils.toRaftClientRequestProto(request).toByteArray(), timeout)
          .thenApply(TransportClientRpc::reply);
    } catch (IOException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private Duration timeoutOf(RaftClientRequest request) {
    if (request.getTimeoutMs() > 0) {
      return Duration.ofMillis(request.getTimeoutMs());
    }
    return request.is(TypeCase.WATCH) ? watchTimeout : requestTimeout;
  }

  private static RaftClientReply reply(byte[] body) {
    RaftClientReplyProto proto = ReplyParser.parseReply(body, RaftClientReplyProto::parseFrom);
    return ClientProtoUtils.toRaftClientReply(proto);
  }
}
