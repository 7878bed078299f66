package dev.capstan.store.ratis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.store.mvcc.MvccStore;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.api.Test;

/** The state machine's leadership events, which a leader's reads wait on until it is ready. */
class MvccStateMachineLeadershipTest {

  private final MvccStateMachine stateMachine = new MvccStateMachine(new MvccStore(Runnable::run), Runnable::run);
  private final RaftGroupMemberId self = RaftGroupMemberId.valueOf(RaftPeerId.valueOf("s1"), RaftGroupId.randomId());

  @Test
  void becomingLeaderIsNoEventButBeingReadyIs() {
    CompletableFuture<Void> next = stateMachine.nextLeadershipEvent();
    stateMachine.notifyLeaderChanged(self, self.getPeerId());
    assertThat(next).isNotDone();
    assertThat(stateMachine.nextLeadershipEvent()).isSameAs(next);

    stateMachine.notifyLeaderReady();
    assertThat(next).isCompleted();
    assertThat(stateMachine.nextLeadershipEvent()).isNotSameAs(next).isNotDone();
  }

  @Test
  void losingOrNeverHavingTheLeadershipIsAnEvent() {
    CompletableFuture<Void> first = stateMachine.nextLeadershipEvent();
    stateMachine.notifyLeaderChanged(self, RaftPeerId.valueOf("s2"));
    assertThat(first).isCompleted();

    CompletableFuture<Void> second = stateMachine.nextLeadershipEvent();
    stateMachine.notifyNotLeader(List.of());
    assertThat(second).isCompleted();

    CompletableFuture<Void> third = stateMachine.nextLeadershipEvent();
    stateMachine.notifyLeaderChanged(self, null);
    assertThat(third).isCompleted();
  }
}
