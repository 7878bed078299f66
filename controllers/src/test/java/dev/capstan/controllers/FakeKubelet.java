package dev.capstan.controllers;

import dev.capstan.api.core.v1.ContainerState;
import dev.capstan.api.core.v1.ContainerStateTerminated;
import dev.capstan.api.core.v1.ContainerStatus;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodCondition;
import dev.capstan.api.meta.v1.DeleteRequest;
import dev.capstan.api.meta.v1.Preconditions;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.informer.ResourceEventHandler;
import dev.capstan.client.informer.SharedInformer;
import dev.capstan.controllers.framework.ApiErrors;
import dev.capstan.controllers.framework.PodState;
import dev.capstan.controllers.framework.ProtoTime;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;

/**
 * Plays the node agent's part for integration tests: every active pod that appears is reported
 * Running with condition Ready=True, through UpdateStatus as an agent would; a pod bound to a node
 * that is deleted gracefully is then deleted for good (grace period 0), as an agent does once its
 * containers have stopped. A pod annotated
 * {@value #OUTCOME} = Succeeded or Failed is reported as having run to that phase instead, its
 * container terminated (exit code 0 or 1) now; {@link #finish} does the same on demand.
 */
final class FakeKubelet implements AutoCloseable {
  static final String OUTCOME = "test.capstan.dev/outcome";

  private final CapstanClient client;
  private final Clock clock;
  private final SharedInformer<Pod> informer;
  private final Predicate<Pod> plays;
  private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "fake-kubelet");
    t.setDaemon(true);
    return t;
  });

  FakeKubelet(CapstanClient client, Clock clock) {
    this(client, clock, pod -> true);
  }

  /** Plays the agent only for the pods {@code plays} accepts (the others' agents are dead, say). */
  FakeKubelet(CapstanClient client, Clock clock, Predicate<Pod> plays) {
    this.client = client;
    this.clock = clock;
    this.plays = plays;
    this.informer = new SharedInformer<>(client.pods(), "");
    informer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod pod) {
        considerPod(pod);
      }

      @Override
      public void onUpdate(Pod old, Pod pod) {
        considerPod(pod);
      }
    });
    informer.start();
    informer.waitForCacheSync(Duration.ofSeconds(10));
  }

  private void considerPod(Pod pod) {
    if (!plays.test(pod)) {
      return;
    }
    String outcome = pod.getMetadata().getAnnotationsOrDefault(OUTCOME, "");
    if (PodState.isActive(pod) && !outcome.isEmpty()) {
      writer.execute(() -> finish(pod.getMetadata().getNamespace(), pod.getMetadata().getName(), outcome));
    } else if (PodState.isActive(pod) && !PodState.isReady(pod)) {
      writer.execute(() -> markReady(pod.getMetadata().getNamespace(), pod.getMetadata().getName()));
    } else if (PodState.isTerminating(pod) && !pod.getSpec().getNodeName().isEmpty()) {
      writer.execute(() -> finishDeletion(pod));
    }
  }

  private void finishDeletion(Pod pod) {
    try {
      client.pods().delete(DeleteRequest.newBuilder().setNamespace(pod.getMetadata().getNamespace())
          .setName(pod.getMetadata().getName()).setGracePeriodSeconds(0)
          .setPreconditions(Preconditions.newBuilder().setUid(pod.getMetadata().getUid())).build());
    } catch (RuntimeException e) {
      if (!ApiErrors.isNotFound(e) && !ApiErrors.isConflict(e)) {
        throw e;
      }
    }
  }

  private void markReady(String namespace, String name) {
    for (int attempt = 0; attempt < 10; attempt++) {
      try {
        Pod pod = client.pods().get(namespace, name);
        if (!PodState.isActive(pod) || PodState.isReady(pod)) {
          return;
        }
        client.pods().updateStatus(pod.toBuilder().setStatus(pod.getStatus().toBuilder()
            .setPhase("Running")
            .clearConditions()
            .addConditions(PodCondition.newBuilder().setType("Ready").setStatus("True")
                .setLastTransitionTime(ProtoTime.toTimestamp(clock.instant()))))
            .build());
        return;
      } catch (RuntimeException e) {
        if (ApiErrors.isNotFound(e)) {
          return;
        }
        if (!ApiErrors.isConflict(e)) {
          throw e;
        }
      }
    }
  }

  /** Reports the pod as finished in {@code phase} (Succeeded or Failed), as the agent does when its container exits. */
  void finish(String namespace, String name, String phase) {
    for (int attempt = 0; attempt < 10; attempt++) {
      try {
        Pod pod = client.pods().get(namespace, name);
        if (!PodState.isActive(pod)) {
          return;
        }
        var finishedAt = ProtoTime.toTimestamp(clock.instant());
        client.pods().updateStatus(pod.toBuilder().setStatus(pod.getStatus().toBuilder()
            .setPhase(phase)
            .clearConditions()
            .addConditions(PodCondition.newBuilder().setType("Ready").setStatus("False")
                .setLastTransitionTime(finishedAt))
            .clearContainerStatuses()
            .addContainerStatuses(ContainerStatus.newBuilder().setName(pod.getSpec().getContainers(0).getName())
                .setState(ContainerState.newBuilder().setTerminated(ContainerStateTerminated.newBuilder()
                    .setExitCode(phase.equals(PodState.SUCCEEDED) ? 0 : 1)
                    .setReason(phase.equals(PodState.SUCCEEDED) ? "Completed" : "Error")
                    .setFinishedAt(finishedAt)))))
            .build());
        return;
      } catch (RuntimeException e) {
        if (ApiErrors.isNotFound(e)) {
          return;
        }
        if (!ApiErrors.isConflict(e)) {
          throw e;
        }
      }
    }
  }

  @Override
  public void close() {
    informer.close();
    writer.shutdownNow();
  }
}
