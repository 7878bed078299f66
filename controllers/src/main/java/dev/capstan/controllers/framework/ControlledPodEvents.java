package dev.capstan.controllers.framework;

import com.google.protobuf.Message;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.meta.v1.LabelSelector;
import dev.capstan.api.meta.v1.OwnerReference;
import dev.capstan.client.Kind;
import dev.capstan.client.Kinds;
import dev.capstan.client.informer.Lister;
import dev.capstan.client.informer.ResourceEventHandler;
import dev.capstan.client.selector.LabelQuery;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * Turns pod events into work for the controller of one owner kind (ReplicaSet, DaemonSet,
 * StatefulSet, Job), as Kubernetes' pod-owning controllers do:
 *
 * <ul>
 *   <li>a pod whose controller reference names a cached owner of this kind (same uid) puts that
 *       owner on the queue; its appearing and its going (or starting to terminate, which counts as
 *       gone from then on) are reported to the owner's {@link ControllerExpectations};
 *   <li>a pod that changed owner puts its old owner on the queue too;
 *   <li>an orphan that appeared or changed labels puts every owner whose selector matches it on the
 *       queue, to be adopted ({@code selectorOf} null: the kind adopts nothing);
 *   <li>a pod turning Ready puts its owner on the queue again after the owner's
 *       {@code minReadySeconds} ({@code minReadySeconds} null: none), when it becomes available.
 * </ul>
 */
public final class ControlledPodEvents<O extends Message> implements ResourceEventHandler<Pod> {
  private final Kind<O> ownerKind;
  private final Lister<O> owners;
  private final ControllerExpectations expectations;
  private final ControllerLoop loop;
  private final Function<O, LabelSelector> selectorOf;
  private final ToIntFunction<O> minReadySeconds;

  public ControlledPodEvents(Kind<O> ownerKind, Lister<O> owners, ControllerExpectations expectations,
      ControllerLoop loop, Function<O, LabelSelector> selectorOf, ToIntFunction<O> minReadySeconds) {
    this.ownerKind = Objects.requireNonNull(ownerKind, "ownerKind");
    this.owners = Objects.requireNonNull(owners, "owners");
    this.expectations = Objects.requireNonNull(expectations, "expectations");
    this.loop = Objects.requireNonNull(loop, "loop");
    this.selectorOf = selectorOf;
    this.minReadySeconds = minReadySeconds;
  }

  @Override
  public void onAdd(Pod pod) {
    if (PodState.isTerminating(pod)) {
      // Seen for the first time already terminating (e.g. after a restart): a deletion as far as
      // the owner's count goes.
      onDelete(pod);
      return;
    }
    Optional<OwnerReference> ref = OwnerReferences.controllerOf(pod.getMetadata());
    if (ref.isPresent()) {
      resolve(pod.getMetadata().getNamespace(), ref.get()).ifPresent(owner -> {
        String key = ownerKind.key(owner);
        expectations.creationObserved(key);
        loop.enqueue(key);
      });
      return;
    }
    enqueueMatching(pod);
  }

  @Override
  public void onUpdate(Pod old, Pod pod) {
    if (old.getMetadata().getResourceVersion().equals(pod.getMetadata().getResourceVersion())) {
      return;
    }
    boolean labelsChanged = !old.getMetadata().getLabelsMap().equals(pod.getMetadata().getLabelsMap());
    if (PodState.isTerminating(pod)) {
      // Counted as deleted from now on: lower the expectation at once, not when it is finally gone.
      onDelete(pod);
      if (labelsChanged) {
        onDelete(old);
      }
      return;
    }
    Optional<OwnerReference> oldRef = OwnerReferences.controllerOf(old.getMetadata());
    Optional<OwnerReference> ref = OwnerReferences.controllerOf(pod.getMetadata());
    boolean refChanged = !oldRef.equals(ref);
    if (refChanged && oldRef.isPresent()) {
      resolve(old.getMetadata().getNamespace(), oldRef.get()).ifPresent(owner -> loop.enqueue(ownerKind.key(owner)));
    }
    if (ref.isPresent()) {
      resolve(pod.getMetadata().getNamespace(), ref.get()).ifPresent(owner -> {
        String key = ownerKind.key(owner);
        loop.enqueue(key);
        int minReady = minReadySeconds == null ? 0 : minReadySeconds.applyAsInt(owner);
        if (minReady > 0 && !PodState.isReady(old) && PodState.isReady(pod)) {
          // Available only after minReadySeconds: look again then.
          loop.enqueueAfter(key, Duration.ofSeconds(minReady).plusSeconds(1));
        }
      });
      return;
    }
    if (labelsChanged || refChanged) {
      enqueueMatching(pod);
    }
  }

  @Override
  public void onDelete(Pod pod) {
    OwnerReferences.controllerOf(pod.getMetadata())
        .flatMap(ref -> resolve(pod.getMetadata().getNamespace(), ref))
        .ifPresent(owner -> {
          String key = ownerKind.key(owner);
          expectations.deletionObserved(key, Kinds.POD.key(pod));
          loop.enqueue(key);
        });
  }

  /** The cached owner a controller reference names, if it is of this kind and still the same object. */
  public Optional<O> resolve(String namespace, OwnerReference ref) {
    if (!ref.getKind().equals(ownerKind.kind())) {
      return Optional.empty();
    }
    return owners.get(namespace, ref.getName())
        .filter(owner -> ownerKind.metadata(owner).getUid().equals(ref.getUid()));
  }

  /** An orphan appeared or changed labels: every owner that might adopt it takes a look. */
  private void enqueueMatching(Pod pod) {
    if (selectorOf == null || PodState.isTerminating(pod)) {
      return;
    }
    for (O owner : owners.list(pod.getMetadata().getNamespace())) {
      try {
        if (LabelQuery.fromProto(selectorOf.apply(owner)).matches(pod.getMetadata().getLabelsMap())) {
          loop.enqueue(ownerKind.key(owner));
        }
      } catch (IllegalArgumentException e) {
        // An invalid selector selects nothing; the owner's own sync reports it.
      }
    }
  }
}
