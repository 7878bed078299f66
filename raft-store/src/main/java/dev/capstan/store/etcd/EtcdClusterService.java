package dev.capstan.store.etcd;

import dev.capstan.etcd.etcdserverpb.ClusterGrpc;
import dev.capstan.etcd.etcdserverpb.Member;
import dev.capstan.etcd.etcdserverpb.MemberAddRequest;
import dev.capstan.etcd.etcdserverpb.MemberAddResponse;
import dev.capstan.etcd.etcdserverpb.MemberListRequest;
import dev.capstan.etcd.etcdserverpb.MemberListResponse;
import dev.capstan.etcd.etcdserverpb.MemberPromoteRequest;
import dev.capstan.etcd.etcdserverpb.MemberPromoteResponse;
import dev.capstan.etcd.etcdserverpb.MemberRemoveRequest;
import dev.capstan.etcd.etcdserverpb.MemberRemoveResponse;
import dev.capstan.etcd.etcdserverpb.MemberUpdateRequest;
import dev.capstan.etcd.etcdserverpb.MemberUpdateResponse;
import dev.capstan.store.StoreErrors;
import dev.capstan.store.ratis.MembershipException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * etcd's Cluster service: MemberList answers the Raft group's members with their peer and client
 * URLs; MemberAdd and MemberRemove change the group one member at a time (see
 * {@link dev.capstan.store.ratis.StoreMembership} for the order: the new member runs before it is
 * added). Learners are not offered, so MemberAdd with isLearner and MemberPromote answer
 * UNIMPLEMENTED; so does MemberUpdate (a member's peer URL is its Raft address: replace the member
 * instead). Without {@link EtcdMemberChanges} only MemberList is served. A member that was removed
 * answers UNAVAILABLE.
 */
public final class EtcdClusterService extends ClusterGrpc.ClusterImplBase {

  private final EtcdClusterInfo cluster;
  private final EtcdMemberChanges changes;
  private final LongSupplier revision;

  /** @param revision the local store's current revision, for response headers */
  public EtcdClusterService(EtcdClusterInfo cluster, LongSupplier revision) {
    this(cluster, null, revision);
  }

  /** @param changes membership changes, or null to answer them UNIMPLEMENTED */
  public EtcdClusterService(EtcdClusterInfo cluster, EtcdMemberChanges changes, LongSupplier revision) {
    this.cluster = Objects.requireNonNull(cluster, "cluster");
    this.changes = changes;
    this.revision = Objects.requireNonNull(revision, "revision");
  }

  @Override
  public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> observer) {
    answer(observer, () -> MemberListResponse.newBuilder().setHeader(cluster.header(revision.getAsLong()))
        .addAllMembers(cluster.members()).build());
  }

  @Override
  public void memberAdd(MemberAddRequest request, StreamObserver<MemberAddResponse> observer) {
    answer(observer, () -> {
      if (request.getIsLearner()) {
        throw Status.UNIMPLEMENTED.withDescription("learner members are not supported by this store;"
            + " add a voting member (without --learner)").asRuntimeException();
      }
      Member added = requireChanges().add(request.getPeerURLsList(), request.getCapstanClientURLsList());
      return MemberAddResponse.newBuilder().setHeader(cluster.header(revision.getAsLong())).setMember(added)
          .addAllMembers(cluster.members()).build();
    });
  }

  @Override
  public void memberRemove(MemberRemoveRequest request, StreamObserver<MemberRemoveResponse> observer) {
    answer(observer, () -> {
      requireChanges().remove(request.getID());
      MemberRemoveResponse.Builder response = MemberRemoveResponse.newBuilder()
          .setHeader(cluster.header(revision.getAsLong()));
      // This member may be the one removed: it no longer knows the group then.
      if (!cluster.isRemoved()) {
        response.addAllMembers(cluster.members());
      }
      return response.build();
    }, false);
  }

  @Override
  public void memberUpdate(MemberUpdateRequest request, StreamObserver<MemberUpdateResponse> observer) {
    observer.onError(Status.UNIMPLEMENTED.withDescription("changing a member's peer URLs is not supported by this"
        + " store; remove the member and add one at the new address").asRuntimeException());
  }

  @Override
  public void memberPromote(MemberPromoteRequest request, StreamObserver<MemberPromoteResponse> observer) {
    observer.onError(Status.UNIMPLEMENTED.withDescription("learner members are not supported by this store,"
        + " so there is none to promote").asRuntimeException());
  }

  private EtcdMemberChanges requireChanges() {
    if (changes == null) {
      throw Status.UNIMPLEMENTED.withDescription("membership changes are not offered by this endpoint")
          .asRuntimeException();
    }
    return changes;
  }

  private <T> void answer(StreamObserver<T> observer, Supplier<T> call) {
    answer(observer, call, true);
  }

  private <T> void answer(StreamObserver<T> observer, Supplier<T> call, boolean refuseIfRemoved) {
    T response;
    try {
      if (refuseIfRemoved && cluster.isRemoved()) {
        throw Status.UNAVAILABLE.withDescription(StoreErrors.MEMBER_REMOVED).asRuntimeException();
      }
      response = call.get();
    } catch (StatusRuntimeException e) {
      observer.onError(e);
      return;
    } catch (MembershipException e) {
      observer.onError(toStatus(e));
      return;
    } catch (RuntimeException e) {
      observer.onError(EtcdGrpcErrors.toStatus(e));
      return;
    }
    observer.onNext(response);
    observer.onCompleted();
  }

  private static StatusRuntimeException toStatus(MembershipException e) {
    Status status = switch (e.reason()) {
      case NOT_FOUND -> Status.NOT_FOUND;
      case EXISTS, NOT_ENOUGH_MEMBERS -> Status.FAILED_PRECONDITION;
      case INVALID -> Status.INVALID_ARGUMENT;
      case UNAVAILABLE -> Status.UNAVAILABLE;
    };
    return status.withDescription(e.getMessage()).asRuntimeException();
  }
}
