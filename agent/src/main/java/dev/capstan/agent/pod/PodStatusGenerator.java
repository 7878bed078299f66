package dev.capstan.agent.pod;

import dev.capstan.agent.ProtoTimestamps;
import dev.capstan.agent.prober.ProbeStatus;
import dev.capstan.agent.runtime.ContainerState;
import dev.capstan.agent.runtime.PodSandbox;
import dev.capstan.agent.runtime.RuntimeContainer;
import dev.capstan.agent.runtime.RuntimeVersion;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.ContainerStateRunning;
import dev.capstan.api.core.v1.ContainerStateTerminated;
import dev.capstan.api.core.v1.ContainerStateWaiting;
import dev.capstan.api.core.v1.ContainerStatus;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodCondition;
import dev.capstan.api.core.v1.PodIP;
import dev.capstan.api.core.v1.PodStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Computes a pod's API status from what the runtime reports (kubelet's generateAPIPodStatus). Pure:
 * the same inputs give the same status, and fields that did not change keep their timestamps, so
 * that an unchanged pod produces an equal status and no write.
 */
public final class PodStatusGenerator {
  private PodStatusGenerator() {}

  public static final String PENDING = "Pending";
  public static final String RUNNING = "Running";
  public static final String SUCCEEDED = "Succeeded";
  public static final String FAILED = "Failed";

  public static final String CONTAINER_CREATING = "ContainerCreating";
  public static final String CRASH_LOOP_BACK_OFF = "CrashLoopBackOff";
  public static final String CREATE_CONTAINER_CONFIG_ERROR = "CreateContainerConfigError";
  public static final String CREATE_CONTAINER_ERROR = "CreateContainerError";
  public static final String POD_INITIALIZING = "PodInitializing";

  private static final Set<String> OWN_CONDITIONS = Set.of("Initialized", "Ready", "ContainersReady", "PodScheduled");

  /** Why a container is waiting although the runtime shows it exited or absent. */
  public record Waiting(String reason, String message) {}

  /**
   * @param pod the pod as last seen from the API; its status supplies what is kept (start time,
   *     transition times, a terminal phase)
   * @param state the pod's sandboxes and containers in the runtime
   * @param waiting per container name: a waiting state that overrides the runtime's view
   * @param terminal true once the agent will not start any container of the pod again (the pod is
   *     being deleted): all containers exited means Succeeded or Failed whatever the restart policy
   */
  public static PodStatus generate(Pod pod, PodRuntimeState state, Map<String, Waiting> waiting,
      RuntimeVersion runtime, String hostIp, Instant now, boolean terminal) {
    return generate(pod, state, waiting, runtime, hostIp, now, terminal, ProbeStatus.NONE);
  }

  /** As above, with running containers started and ready only as far as {@code probes} say. */
  public static PodStatus generate(Pod pod, PodRuntimeState state, Map<String, Waiting> waiting,
      RuntimeVersion runtime, String hostIp, Instant now, boolean terminal, ProbeStatus probes) {
    PodStatus old = pod.getStatus();
    PodStatus.Builder status = PodStatus.newBuilder()
        .setHostIp(hostIp)
        .setMessage(old.getMessage())
        .setReason(old.getReason())
        .setQosClass(old.getQosClass())
        .setStartTime(old.hasStartTime() ? old.getStartTime() : ProtoTimestamps.of(now));
    Optional<String> podIp = state.latestSandbox().map(PodSandbox::ip).filter(ip -> !ip.isEmpty());
    String ip = podIp.orElse(old.getPodIp());
    if (!ip.isEmpty()) {
      status.setPodIp(ip).addPodIps(PodIP.newBuilder().setIp(ip));
    }
    List<ContainerStatus> initStatuses = new ArrayList<>();
    for (Container c : pod.getSpec().getInitContainersList()) {
      ContainerStatus cs = containerStatus(c, state, waiting.get(c.getName()), runtime, ProbeStatus.NONE);
      // An init container is ready once it has completed, not while it runs (as in Kubernetes).
      initStatuses.add(cs.toBuilder().setReady(completed(cs)).build());
    }
    status.addAllInitContainerStatuses(initStatuses);
    List<String> uninitialized = initStatuses.stream().filter(cs -> !completed(cs)).map(ContainerStatus::getName).toList();
    List<ContainerStatus> statuses = new ArrayList<>();
    for (Container c : pod.getSpec().getContainersList()) {
      Waiting override = waiting.get(c.getName());
      if (override == null && !uninitialized.isEmpty()) {
        override = new Waiting(POD_INITIALIZING, "");
      }
      statuses.add(containerStatus(c, state, override, runtime, probes));
    }
    status.addAllContainerStatuses(statuses);
    RestartPolicy policy = RestartPolicy.of(pod.getSpec().getRestartPolicy());
    String phase = isTerminal(old.getPhase()) ? old.getPhase()
        : uninitialized.isEmpty() ? phase(policy, statuses, terminal) : initPhase(policy, initStatuses, terminal);
    status.setPhase(phase);
    status.addAllConditions(conditions(old.getConditionsList(), uninitialized, statuses, phase, now));
    return status.build();
  }

  /**
   * A pod's phase from its containers (kubelet's getPhase): Pending while any container has not
   * run yet; Running while any runs, or all exited but some will restart; Succeeded when all
   * exited 0 and none restarts; Failed when all exited, some not 0, and none restarts.
   */
  public static String phase(RestartPolicy policy, List<ContainerStatus> statuses, boolean terminal) {
    int waiting = 0;
    int running = 0;
    int stopped = 0;
    int succeeded = 0;
    for (ContainerStatus cs : statuses) {
      if (cs.getState().hasRunning()) {
        running++;
      } else if (cs.getState().hasTerminated()) {
        stopped++;
        if (cs.getState().getTerminated().getExitCode() == 0) {
          succeeded++;
        }
      } else if (cs.getLastState().hasTerminated()) {
        stopped++; // waiting to restart after it ran
      } else {
        waiting++;
      }
    }
    if (waiting > 0 && !terminal) {
      return PENDING;
    }
    if (running > 0) {
      return RUNNING;
    }
    if (stopped == 0) {
      return terminal ? FAILED : PENDING;
    }
    if (terminal) {
      return stopped == succeeded && waiting == 0 ? SUCCEEDED : FAILED;
    }
    return switch (policy) {
      case ALWAYS -> RUNNING;
      case ON_FAILURE -> stopped == succeeded ? SUCCEEDED : RUNNING;
      case NEVER -> stopped == succeeded ? SUCCEEDED : FAILED;
    };
  }

  /**
   * The phase of a pod whose init containers have not all completed: Failed once one failed and
   * will not run again (restart policy Never) or the pod is being torn down; Pending otherwise.
   */
  static String initPhase(RestartPolicy policy, List<ContainerStatus> initStatuses, boolean terminal) {
    boolean failed = initStatuses.stream().anyMatch(cs -> cs.getState().hasTerminated()
        && cs.getState().getTerminated().getExitCode() != 0);
    return terminal || (failed && policy == RestartPolicy.NEVER) ? FAILED : PENDING;
  }

  private static boolean completed(ContainerStatus cs) {
    return cs.getState().hasTerminated() && cs.getState().getTerminated().getExitCode() == 0;
  }

  public static boolean isTerminal(String phase) {
    return SUCCEEDED.equals(phase) || FAILED.equals(phase);
  }

  static ContainerStatus containerStatus(Container spec, PodRuntimeState state, Waiting override,
      RuntimeVersion runtime, ProbeStatus probes) {
    ContainerStatus.Builder b = ContainerStatus.newBuilder()
        .setName(spec.getName())
        .setImage(spec.getImage())
        .setReady(false)
        .setStarted(false);
    Optional<RuntimeContainer> latest = state.latest(spec.getName());
    Optional<RuntimeContainer> previous = state.previous(spec.getName());
    if (latest.isEmpty()) {
      b.getStateBuilder().setWaiting(waiting(override, CONTAINER_CREATING));
      return b.build();
    }
    RuntimeContainer c = latest.get();
    b.setRestartCount(c.attempt()).setContainerId(runtime.containerUri(c.id()));
    if (c.state() == ContainerState.RUNNING) {
      b.getStateBuilder().setRunning(ContainerStateRunning.newBuilder().setStartedAt(ProtoTimestamps.of(c.startedAt())));
      b.setReady(probes.ready(c.id(), spec)).setStarted(probes.started(c.id(), spec));
      previous.filter(p -> p.state() == ContainerState.EXITED).ifPresent(p -> b.getLastStateBuilder().setTerminated(terminated(p, runtime)));
    } else if (c.state() == ContainerState.EXITED && override == null) {
      b.getStateBuilder().setTerminated(terminated(c, runtime));
      previous.filter(p -> p.state() == ContainerState.EXITED).ifPresent(p -> b.getLastStateBuilder().setTerminated(terminated(p, runtime)));
    } else if (c.state() == ContainerState.EXITED) {
      // Waiting to be restarted: the exit just seen becomes the last state.
      b.getStateBuilder().setWaiting(waiting(override, CRASH_LOOP_BACK_OFF));
      b.getLastStateBuilder().setTerminated(terminated(c, runtime));
    } else {
      b.getStateBuilder().setWaiting(waiting(override, CONTAINER_CREATING));
      previous.filter(p -> p.state() == ContainerState.EXITED).ifPresent(p -> b.getLastStateBuilder().setTerminated(terminated(p, runtime)));
    }
    return b.build();
  }

  private static ContainerStateWaiting waiting(Waiting override, String defaultReason) {
    return override == null ? ContainerStateWaiting.newBuilder().setReason(defaultReason).build()
        : ContainerStateWaiting.newBuilder().setReason(override.reason()).setMessage(override.message()).build();
  }

  private static ContainerStateTerminated terminated(RuntimeContainer c, RuntimeVersion runtime) {
    ContainerStateTerminated.Builder t = ContainerStateTerminated.newBuilder()
        .setExitCode(c.exitCode())
        .setReason(c.reason())
        .setMessage(c.message())
        .setContainerId(runtime.containerUri(c.id()));
    if (c.startedAt() != null) {
      t.setStartedAt(ProtoTimestamps.of(c.startedAt()));
    }
    if (c.finishedAt() != null) {
      t.setFinishedAt(ProtoTimestamps.of(c.finishedAt()));
    }
    return t.build();
  }

  static List<PodCondition> conditions(List<PodCondition> old, List<String> uninitialized,
      List<ContainerStatus> statuses, String phase, Instant now) {
    List<String> unready = statuses.stream().filter(s -> !s.getReady()).map(ContainerStatus::getName).toList();
    boolean ready = unready.isEmpty() && !isTerminal(phase);
    String reason = ready ? "" : isTerminal(phase) ? "PodCompleted" : "ContainersNotReady";
    String message = ready || isTerminal(phase) ? "" : "containers with unready status: [" + String.join(" ", unready) + "]";
    List<PodCondition> out = new ArrayList<>();
    out.add(uninitialized.isEmpty() ? condition(old, "Initialized", true, "", "", now)
        : condition(old, "Initialized", false, "ContainersNotInitialized",
            "containers with incomplete status: [" + String.join(" ", uninitialized) + "]", now));
    out.add(condition(old, "Ready", ready, reason, message, now));
    out.add(condition(old, "ContainersReady", ready, reason, message, now));
    // The scheduler owns PodScheduled; a pod bound directly by spec.nodeName gets it here.
    out.add(old.stream().filter(c -> c.getType().equals("PodScheduled")).findFirst()
        .orElseGet(() -> condition(old, "PodScheduled", true, "", "", now)));
    old.stream().filter(c -> !OWN_CONDITIONS.contains(c.getType())).forEach(out::add);
    return out;
  }

  private static PodCondition condition(List<PodCondition> old, String type, boolean value, String reason,
      String message, Instant now) {
    String status = value ? "True" : "False";
    PodCondition.Builder b = PodCondition.newBuilder().setType(type).setStatus(status).setReason(reason).setMessage(message);
    Optional<PodCondition> prior = old.stream().filter(c -> c.getType().equals(type)).findFirst();
    if (prior.isPresent() && prior.get().getStatus().equals(status) && prior.get().hasLastTransitionTime()) {
      b.setLastTransitionTime(prior.get().getLastTransitionTime());
    } else {
      b.setLastTransitionTime(ProtoTimestamps.of(now));
    }
    return b.build();
  }
}
