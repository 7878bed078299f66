package dev.capstan.store.ratis;

import static dev.capstan.store.EtcdRequests.get;
import static dev.capstan.store.EtcdRequests.put;
import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.etcd.etcdserverpb.LeaseGrantRequest;
import dev.capstan.etcd.etcdserverpb.LeaseRevokeRequest;
import dev.capstan.etcd.etcdserverpb.RequestOp;
import dev.capstan.store.mvcc.MvccStore;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.statemachine.TransactionContext;
import org.junit.jupiter.api.Test;

/** The state machine's handling of lease commands, fed log entries directly. */
class MvccStateMachineLeaseTest {

  private final MvccStore store = new MvccStore(Runnable::run);
  private final MvccStateMachine stateMachine = new MvccStateMachine(store, Runnable::run);
  private long index;

  private void apply(long term, Message command) {
    LogEntryProto entry = LogEntryProto.newBuilder().setTerm(term).setIndex(++index)
        .setStateMachineLogEntry(StateMachineLogEntryProto.newBuilder().setLogData(command.getContent()))
        .build();
    stateMachine.applyTransaction(TransactionContext.newBuilder().setStateMachine(stateMachine)
        .setServerRole(RaftPeerRole.FOLLOWER).setLogEntry(entry).build()).join();
  }

  @Test
  void anExpiryAppliesOnlyInTheTermOfTheLeaderThatDecidedIt() {
    apply(1, StoreEnvelope.command(LeaseGrantRequest.newBuilder().setID(5).setTTL(10).build()));
    apply(1, StoreEnvelope.command(RequestOp.newBuilder()
        .setRequestPut(put("/k", "v").toBuilder().setLease(5)).build()));
    LeaseRevokeRequest revoke = LeaseRevokeRequest.newBuilder().setID(5).build();

    // Decided by the leader of term 1, committed by the leader of term 2: ignored.
    apply(2, StoreEnvelope.expiry(1, revoke));
    assertThat(store.range(get("/k")).getCount()).isEqualTo(1);
    assertThat(store.leaseLeases().getLeasesCount()).isEqualTo(1);

    apply(2, StoreEnvelope.expiry(2, revoke));
    assertThat(store.range(get("/k")).getCount()).isZero();
    assertThat(store.leaseLeases().getLeasesCount()).isZero();
  }
}
