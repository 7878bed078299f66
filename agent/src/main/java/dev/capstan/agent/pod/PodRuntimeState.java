package dev.capstan.agent.pod;

import dev.capstan.agent.runtime.ContainerRuntime;
import dev.capstan.agent.runtime.PodSandbox;
import dev.capstan.agent.runtime.RuntimeContainer;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What the runtime holds for one pod: its sandboxes (oldest first) and containers (by name, then
 * attempt).
 */
public record PodRuntimeState(List<PodSandbox> sandboxes, List<RuntimeContainer> containers) {

  public PodRuntimeState {
    sandboxes = sandboxes.stream().sorted(Comparator.comparing(PodSandbox::createdAt)).toList();
    containers = containers.stream()
        .sorted(Comparator.comparing(RuntimeContainer::name).thenComparingInt(RuntimeContainer::attempt)
            .thenComparing(RuntimeContainer::createdAt))
        .toList();
  }

  public static PodRuntimeState read(ContainerRuntime runtime, String podUid) {
    return new PodRuntimeState(runtime.listPodSandboxes(RuntimeLabels.selectPod(podUid)),
        runtime.listContainers(RuntimeLabels.selectPod(podUid)));
  }

  /** The newest sandbox if it is ready. */
  public Optional<PodSandbox> readySandbox() {
    return sandboxes.isEmpty() ? Optional.empty()
        : Optional.of(sandboxes.get(sandboxes.size() - 1)).filter(PodSandbox::ready);
  }

  /** The newest sandbox, ready or not. */
  public Optional<PodSandbox> latestSandbox() {
    return sandboxes.isEmpty() ? Optional.empty() : Optional.of(sandboxes.get(sandboxes.size() - 1));
  }

  /** The container's newest attempt. */
  public Optional<RuntimeContainer> latest(String name) {
    List<RuntimeContainer> attempts = attempts(name);
    return attempts.isEmpty() ? Optional.empty() : Optional.of(attempts.get(attempts.size() - 1));
  }

  /** The attempt before the newest one. */
  public Optional<RuntimeContainer> previous(String name) {
    List<RuntimeContainer> attempts = attempts(name);
    return attempts.size() < 2 ? Optional.empty() : Optional.of(attempts.get(attempts.size() - 2));
  }

  /** Every attempt of a container, oldest first. */
  public List<RuntimeContainer> attempts(String name) {
    return containers.stream().filter(c -> c.name().equals(name)).toList();
  }
}
