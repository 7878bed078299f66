package dev.capstan.agent.pod;

import static dev.capstan.agent.pod.RestartPolicy.ALWAYS;
import static dev.capstan.agent.pod.RestartPolicy.NEVER;
import static dev.capstan.agent.pod.RestartPolicy.ON_FAILURE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.agent.ProtoTimestamps;
import dev.capstan.agent.runtime.ContainerConfig;
import dev.capstan.agent.runtime.ContainerState;
import dev.capstan.agent.runtime.PodSandbox;
import dev.capstan.agent.runtime.PodSandboxConfig;
import dev.capstan.agent.runtime.RuntimeContainer;
import dev.capstan.agent.runtime.RuntimeVersion;
import dev.capstan.agent.runtime.SandboxState;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.ContainerStateRunning;
import dev.capstan.api.core.v1.ContainerStateTerminated;
import dev.capstan.api.core.v1.ContainerStateWaiting;
import dev.capstan.api.core.v1.ContainerStatus;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodCondition;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.PodStatus;
import dev.capstan.api.meta.v1.ObjectMeta;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodStatusGeneratorTest {
  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  private static final RuntimeVersion RT = new RuntimeVersion("process", "1.0", "v1");

  private static ContainerStatus running() {
    ContainerStatus.Builder b = ContainerStatus.newBuilder();
    b.getStateBuilder().setRunning(ContainerStateRunning.getDefaultInstance());
    return b.build();
  }

  private static ContainerStatus exited(int code) {
    ContainerStatus.Builder b = ContainerStatus.newBuilder();
    b.getStateBuilder().setTerminated(ContainerStateTerminated.newBuilder().setExitCode(code));
    return b.build();
  }

  private static ContainerStatus crashLooping(int lastCode) {
    ContainerStatus.Builder b = ContainerStatus.newBuilder();
    b.getStateBuilder().setWaiting(ContainerStateWaiting.newBuilder().setReason("CrashLoopBackOff"));
    b.getLastStateBuilder().setTerminated(ContainerStateTerminated.newBuilder().setExitCode(lastCode));
    return b.build();
  }

  private static ContainerStatus notStarted() {
    ContainerStatus.Builder b = ContainerStatus.newBuilder();
    b.getStateBuilder().setWaiting(ContainerStateWaiting.newBuilder().setReason("ContainerCreating"));
    return b.build();
  }

  @Test
  void phaseFollowsKubelet() {
    assertThat(PodStatusGenerator.phase(ALWAYS, List.of(notStarted(), running()), false)).isEqualTo("Pending");
    assertThat(PodStatusGenerator.phase(NEVER, List.of(running(), exited(1)), false)).isEqualTo("Running");
    assertThat(PodStatusGenerator.phase(ALWAYS, List.of(crashLooping(1)), false)).isEqualTo("Running");
    assertThat(PodStatusGenerator.phase(ALWAYS, List.of(exited(0)), false)).isEqualTo("Running");
    assertThat(PodStatusGenerator.phase(ON_FAILURE, List.of(crashLooping(2)), false)).isEqualTo("Running");
    assertThat(PodStatusGenerator.phase(ON_FAILURE, List.of(exited(0), exited(0)), false)).isEqualTo("Succeeded");
    assertThat(PodStatusGenerator.phase(NEVER, List.of(exited(0)), false)).isEqualTo("Succeeded");
    assertThat(PodStatusGenerator.phase(NEVER, List.of(exited(0), exited(3)), false)).isEqualTo("Failed");
    assertThat(PodStatusGenerator.phase(NEVER, List.of(), false)).isEqualTo("Pending");
  }

  @Test
  void aPodBeingDeletedEndsSucceededOrFailedWhateverItsPolicy() {
    assertThat(PodStatusGenerator.phase(ALWAYS, List.of(exited(0)), true)).isEqualTo("Succeeded");
    assertThat(PodStatusGenerator.phase(ALWAYS, List.of(exited(143)), true)).isEqualTo("Failed");
    assertThat(PodStatusGenerator.phase(ALWAYS, List.of(exited(0), notStarted()), true)).isEqualTo("Failed");
  }

  private static Pod pod(PodStatus status) {
    return Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("web").setNamespace("default").setUid("u1"))
        .setSpec(PodSpec.newBuilder().addContainers(Container.newBuilder().setName("app").setImage("busybox")))
        .setStatus(status).build();
  }

  private static PodRuntimeState state(ContainerState state, int attempt, Instant started, Instant finished, int code) {
    PodSandboxConfig sc = new PodSandboxConfig("web", "default", "u1", 0, "web", Path.of("/logs"), true, Map.of(), Map.of());
    PodSandbox sandbox = new PodSandbox("sb", sc, SandboxState.READY, T0, "10.0.0.9");
    ContainerConfig cc = new ContainerConfig("app", attempt, "busybox", List.of("sh"), List.of(), "", List.of(),
        Path.of("app/" + attempt + ".log"), Map.of(), Map.of());
    RuntimeContainer c = new RuntimeContainer("c" + attempt, "sb", cc, state, T0, started, finished, code,
        code == 0 ? "Completed" : "Error", "", Path.of("/logs/app/" + attempt + ".log"));
    return new PodRuntimeState(List.of(sandbox), List.of(c));
  }

  @Test
  void aRunningContainerMakesThePodRunningAndReady() {
    PodStatus s = PodStatusGenerator.generate(pod(PodStatus.newBuilder().setPhase("Pending").build()),
        state(ContainerState.RUNNING, 0, T0, null, 0), Map.of(), RT, "192.168.0.1", T0, false);

    assertThat(s.getPhase()).isEqualTo("Running");
    assertThat(s.getPodIp()).isEqualTo("10.0.0.9");
    assertThat(s.getPodIpsList()).extracting(p -> p.getIp()).containsExactly("10.0.0.9");
    assertThat(s.getHostIp()).isEqualTo("192.168.0.1");
    assertThat(s.getStartTime()).isEqualTo(ProtoTimestamps.of(T0));
    ContainerStatus cs = s.getContainerStatuses(0);
    assertThat(cs.getName()).isEqualTo("app");
    assertThat(cs.getImage()).isEqualTo("busybox");
    assertThat(cs.getReady()).isTrue();
    assertThat(cs.getContainerId()).isEqualTo("process://c0");
    assertThat(cs.getState().getRunning().getStartedAt()).isEqualTo(ProtoTimestamps.of(T0));
    assertThat(s.getConditionsList()).extracting(PodCondition::getType, PodCondition::getStatus)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("Initialized", "True"),
            org.assertj.core.groups.Tuple.tuple("Ready", "True"),
            org.assertj.core.groups.Tuple.tuple("ContainersReady", "True"),
            org.assertj.core.groups.Tuple.tuple("PodScheduled", "True"));
  }

  @Test
  void anUnchangedPodGetsAnEqualStatusLater() {
    PodRuntimeState st = state(ContainerState.RUNNING, 0, T0, null, 0);
    PodStatus first = PodStatusGenerator.generate(pod(PodStatus.getDefaultInstance()), st, Map.of(), RT, "h", T0, false);
    PodStatus second = PodStatusGenerator.generate(pod(first), st, Map.of(), RT, "h", T0.plusSeconds(60), false);
    assertThat(second).isEqualTo(first);
  }

  @Test
  void conditionTransitionTimesChangeOnlyWithTheirStatus() {
    PodStatus ready = PodStatusGenerator.generate(pod(PodStatus.getDefaultInstance()),
        state(ContainerState.RUNNING, 0, T0, null, 0), Map.of(), RT, "h", T0, false);
    Instant later = T0.plusSeconds(30);
    PodStatus crashed = PodStatusGenerator.generate(pod(ready), state(ContainerState.EXITED, 0, T0, later, 1),
        Map.of("app", new PodStatusGenerator.Waiting("CrashLoopBackOff", "back-off 10s")), RT, "h", later, false);

    PodCondition readyCond = crashed.getConditionsList().stream().filter(c -> c.getType().equals("Ready")).findFirst().orElseThrow();
    assertThat(readyCond.getStatus()).isEqualTo("False");
    assertThat(readyCond.getReason()).isEqualTo("ContainersNotReady");
    assertThat(readyCond.getMessage()).isEqualTo("containers with unready status: [app]");
    assertThat(readyCond.getLastTransitionTime()).isEqualTo(ProtoTimestamps.of(later));
    PodCondition initialized = crashed.getConditionsList().get(0);
    assertThat(initialized.getLastTransitionTime()).isEqualTo(ProtoTimestamps.of(T0));

    ContainerStatus cs = crashed.getContainerStatuses(0);
    assertThat(cs.getState().getWaiting().getReason()).isEqualTo("CrashLoopBackOff");
    assertThat(cs.getLastState().getTerminated().getExitCode()).isEqualTo(1);
    assertThat(cs.getLastState().getTerminated().getFinishedAt()).isEqualTo(ProtoTimestamps.of(later));
    assertThat(crashed.getPhase()).isEqualTo("Running");
  }

  @Test
  void anExitedContainerThatWillNotRestartIsTerminatedAndATerminalPhaseIsKept() {
    Pod never = pod(PodStatus.getDefaultInstance()).toBuilder().setSpec(pod(PodStatus.getDefaultInstance()).getSpec()
        .toBuilder().setRestartPolicy("Never")).build();
    PodStatus failed = PodStatusGenerator.generate(never, state(ContainerState.EXITED, 0, T0, T0.plusSeconds(1), 3),
        Map.of(), RT, "h", T0, false);
    assertThat(failed.getPhase()).isEqualTo("Failed");
    ContainerStateTerminated t = failed.getContainerStatuses(0).getState().getTerminated();
    assertThat(t.getExitCode()).isEqualTo(3);
    assertThat(t.getReason()).isEqualTo("Error");
    assertThat(failed.getConditionsList().get(1).getReason()).isEqualTo("PodCompleted");

    // Once Failed, always Failed, even if the runtime were to show a running container.
    PodStatus later = PodStatusGenerator.generate(never.toBuilder().setStatus(failed).build(),
        state(ContainerState.RUNNING, 1, T0, null, 0), Map.of(), RT, "h", T0, false);
    assertThat(later.getPhase()).isEqualTo("Failed");
  }

  @Test
  void keepsTheSchedulersPodScheduledConditionAndForeignConditions() {
    PodCondition scheduled = PodCondition.newBuilder().setType("PodScheduled").setStatus("True")
        .setLastTransitionTime(ProtoTimestamps.of(T0.minusSeconds(100))).build();
    PodCondition foreign = PodCondition.newBuilder().setType("DisruptionTarget").setStatus("True").build();
    PodStatus s = PodStatusGenerator.generate(pod(PodStatus.newBuilder().addConditions(scheduled).addConditions(foreign).build()),
        state(ContainerState.RUNNING, 0, T0, null, 0), Map.of(), RT, "h", T0, false);
    assertThat(s.getConditionsList()).contains(scheduled, foreign);
  }
}
