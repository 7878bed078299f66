package dev.capstan.store.ratis.transport;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import org.apache.ratis.client.impl.ClientProtoUtils;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.GroupInfoRequestProto;
import org.apache.ratis.proto.RaftProtos.GroupListRequestProto;
import org.apache.ratis.proto.RaftProtos.GroupManagementRequestProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotRequestProto;
import org.apache.ratis.proto.RaftProtos.LeaderElectionManagementRequestProto;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto;
import org.apache.ratis.proto.RaftProtos.ReadIndexRequestProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteRequestProto;
import org.apache.ratis.proto.RaftProtos.SetConfigurationRequestProto;
import org.apache.ratis.proto.RaftProtos.SnapshotManagementRequestProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionRequestProto;
import org.apache.ratis.proto.RaftProtos.TransferLeadershipRequestProto;
import org.apache.ratis.protocol.RaftClientAsynchronousProtocol;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.RaftServerAsynchronousProtocol;
import org.apache.ratis.thirdparty.com.google.protobuf.MessageLite;
import org.apache.ratis.util.IOUtils;
import org.apache.ratis.util.ProtoUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a Raft server's requests that arrive on the transport's connections. Requests whose
 * server call returns a future (appends, read indexes, clients' and admin requests) are handed to
 * the server on the connection's event loop, so the reply costs no hand-off to another thread
 * before Ratis' own; appends, read indexes and client requests go straight to the group's
 * division ({@link KnownDivisions}), skipping the hand-off Ratis' server entry point makes. The
 * calls Ratis only offers blocking (votes, snapshot chunks, elections) run on {@code blocking} so
 * that they never hold up an event loop.
 */
@ChannelHandler.Sharable
final class RaftRequestHandler extends SimpleChannelInboundHandler<Frame> {

  private static final Logger LOG = LoggerFactory.getLogger(RaftRequestHandler.class);

  private final RaftServer server;
  private final KnownDivisions divisions;
  private final Executor blocking;

  RaftRequestHandler(RaftServer server, Executor blocking) {
    this.server = server;
    this.divisions = new KnownDivisions(server);
    this.blocking = blocking;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
    CompletableFuture<? extends MessageLite> reply;
    try {
      reply = serve(frame);
    } catch (IOException | RuntimeException e) {
      reply = CompletableFuture.failedFuture(e);
    }
    reply.whenComplete((message, failure) -> {
      Frame answer = failure == null
          ? new Frame(Frame.Kind.REPLY, frame.callId(), message.toByteArray())
          : new Frame(Frame.Kind.FAILURE, frame.callId(), serialized(unwrap(failure)));
      ctx.writeAndFlush(answer);
    });
  }

  private CompletableFuture<? extends MessageLite> serve(Frame frame) throws IOException {
    byte[] body = frame.body();
    return switch (frame.kind()) {
      case APPEND_ENTRIES -> {
        AppendEntriesRequestProto request = AppendEntriesRequestProto.parseFrom(body);
        yield divisions.serve(ProtoUtils.toRaftGroupId(request.getServerRequest().getRaftGroupId()),
            s -> s.appendEntriesAsync(request), d -> ((RaftServerAsynchronousProtocol) d).appendEntriesAsync(request));
      }
      case READ_INDEX -> {
        ReadIndexRequestProto request = ReadIndexRequestProto.parseFrom(body);
        yield divisions.serve(ProtoUtils.toRaftGroupId(request.getServerRequest().getRaftGroupId()),
            s -> s.readIndexAsync(request), d -> ((RaftServerAsynchronousProtocol) d).readIndexAsync(request));
      }
      case REQUEST_VOTE -> {
        RequestVoteRequestProto request = RequestVoteRequestProto.parseFrom(body);
        yield blocking(() -> server.requestVote(request));
      }
      case START_LEADER_ELECTION -> {
        StartLeaderElectionRequestProto request = StartLeaderElectionRequestProto.parseFrom(body);
        yield blocking(() -> server.startLeaderElection(request));
      }
      case INSTALL_SNAPSHOT -> {
        InstallSnapshotRequestProto request = InstallSnapshotRequestProto.parseFrom(body);
        yield blocking(() -> server.installSnapshot(request));
      }
      case CLIENT_REQUEST -> {
        RaftClientRequest request = ClientProtoUtils.toRaftClientRequest(RaftClientRequestProto.parseFrom(body));
        yield divisions.serve(request.getRaftGroupId(), s -> s.submitClientRequestAsync(request),
                d -> ((RaftClientAsynchronousProtocol) d).submitClientRequestAsync(request))
            .thenApply(ClientProtoUtils::toRaftClientReplyProto);
      }
      case SET_CONFIGURATION -> server.setConfigurationAsync(
              ClientProtoUtils.toSetConfigurationRequest(SetConfigurationRequestProto.parseFrom(body)))
          .thenApply(ClientProtoUtils::toRaftClientReplyProto);
      case GROUP_MANAGEMENT -> server.groupManagementAsync(
              ClientProtoUtils.toGroupManagementRequest(GroupManagementRequestProto.parseFrom(body)))
          .thenApply(ClientProtoUtils::toRaftClientReplyProto);
      case GROUP_LIST -> server.getGroupListAsync(
              ClientProtoUtils.toGroupListRequest(GroupListRequestProto.parseFrom(body)))
          .thenApply(ClientProtoUtils::toGroupListReplyProto);
      case GROUP_INFO -> server.getGroupInfoAsync(
              ClientProtoUtils.toGroupInfoRequest(GroupInfoRequestProto.parseFrom(body)))
          .thenApply(ClientProtoUtils::toGroupInfoReplyProto);
      case TRANSFER_LEADERSHIP -> server.transferLeadershipAsync(
              ClientProtoUtils.toTransferLeadershipRequest(TransferLeadershipRequestProto.parseFrom(body)))
          .thenApply(ClientProtoUtils::toRaftClientReplyProto);
      case SNAPSHOT_MANAGEMENT -> server.snapshotManagementAsync(
              ClientProtoUtils.toSnapshotManagementRequest(SnapshotManagementRequestProto.parseFrom(body)))
          .thenApply(ClientProtoUtils::toRaftClientReplyProto);
      case LEADER_ELECTION_MANAGEMENT -> server.leaderElectionManagementAsync(
              ClientProtoUtils.toLeaderElectionManagementRequest(LeaderElectionManagementRequestProto.parseFrom(body)))
          .thenApply(ClientProtoUtils::toRaftClientReplyProto);
      case REPLY, FAILURE -> throw new IOException("a Raft peer sent a " + frame.kind() + " frame as a request");
    };
  }

  private <T> CompletableFuture<T> blocking(BlockingCall<T> call) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return call.run();
      } catch (IOException e) {
        throw new CompletionException(e);
      }
    }, blocking);
  }

  /** The failure as the caller will see it; one that does not serialize goes as its text. */
  private static byte[] serialized(Throwable failure) {
    try {
      return IOUtils.object2Bytes(failure);
    } catch (RuntimeException e) {
      return IOUtils.object2Bytes(new IOException(failure.toString()));
    }
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // A frame that cannot be decoded leaves the stream unusable: drop the connection, the peer
    // reconnects. Say so when it was not our protocol at all: the likely caller is a member of an
    // older version, whose Raft port spoke gRPC.
    if (cause instanceof DecoderException) {
      LOG.warn("Dropped a connection from {} that does not speak Capstan's Raft transport ({}); members of "
          + "versions before 2026-12-02 speak gRPC on the Raft port and cannot join (docs/operations.md)",
          ctx.channel().remoteAddress(), cause.getMessage());
    } else {
      LOG.debug("Connection from {} failed", ctx.channel().remoteAddress(), cause);
    }
    ctx.close();
  }

  @FunctionalInterface
  private interface BlockingCall<T> {
    T run() throws IOException;
  }
}
