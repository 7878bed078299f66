package dev.capstan.apiserver.registry;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodStatus;
import dev.capstan.api.meta.v1.DeleteRequest;
import dev.capstan.client.Kind;
import dev.capstan.client.Kinds;
import java.util.OptionalLong;

/**
 * What differs between kinds in the generic registry, as Kubernetes' per-kind strategies do:
 * which parts a plain Update may change (not status), what Create resets, and whether a Delete
 * is graceful. The generic rules read the message's {@code spec} and {@code status} fields.
 */
public class ResourceStrategy<T extends Message> {
  protected final Kind<T> kind;
  private final FieldDescriptor specField;
  private final FieldDescriptor statusField;

  public ResourceStrategy(Kind<T> kind) {
    this.kind = kind;
    this.specField = kind.defaultInstance().getDescriptorForType().findFieldByName("spec");
    this.statusField = kind.defaultInstance().getDescriptorForType().findFieldByName("status");
  }

  public static <T extends Message> ResourceStrategy<T> forKind(Kind<T> kind) {
    if (kind == Kinds.POD) {
      @SuppressWarnings("unchecked")
      ResourceStrategy<T> s = (ResourceStrategy<T>) new PodStrategy();
      return s;
    }
    if (kind == Kinds.SERVICE) {
      @SuppressWarnings("unchecked")
      ResourceStrategy<T> s = (ResourceStrategy<T>) new ServiceStrategy();
      return s;
    }
    return new ResourceStrategy<>(kind);
  }

  /** Kinds with a status have a status subresource: Update ignores status, UpdateStatus only takes it. */
  public boolean hasStatus() {
    return statusField != null;
  }

  /** Kinds with a spec count generations: 1 at create, +1 per spec change. */
  public boolean hasSpec() {
    return specField != null;
  }

  /** Create starts with a fresh status for kinds whose status is written by controllers. */
  public T prepareForCreate(T object) {
    if (kind == Kinds.NAMESPACE) {
      @SuppressWarnings("unchecked")
      T t = (T) ((dev.capstan.api.core.v1.Namespace) object).toBuilder()
          .setStatus(dev.capstan.api.core.v1.NamespaceStatus.newBuilder().setPhase("Active")).build();
      return t;
    }
    if (kind == Kinds.REPLICA_SET || kind == Kinds.DEPLOYMENT || kind == Kinds.DAEMON_SET
        || kind == Kinds.STATEFUL_SET) {
      @SuppressWarnings("unchecked")
      T t = (T) object.toBuilder().clearField(statusField).build();
      return t;
    }
    return object;
  }

  /** The object an Update stores: the new object with the old status. */
  public T prepareForUpdate(T updated, T old) {
    if (!hasStatus()) {
      return updated;
    }
    // An old object without status keeps none: setting the empty default would make an unchanged
    // re-apply look like a change (status present vs absent).
    @SuppressWarnings("unchecked")
    T t = (T) (old.hasField(statusField) ? updated.toBuilder().setField(statusField, old.getField(statusField))
        : updated.toBuilder().clearField(statusField)).build();
    return t;
  }

  /** The object an UpdateStatus stores: the old object with the new status. */
  public T prepareForStatusUpdate(T updated, T old) {
    @SuppressWarnings("unchecked")
    T t = (T) old.toBuilder().setField(statusField, updated.getField(statusField)).build();
    return t;
  }

  public boolean specChanged(T updated, T old) {
    return hasSpec() && !updated.getField(specField).equals(old.getField(specField));
  }

  /**
   * The grace period of a graceful delete, or empty to delete at once. Only pods that a node
   * agent runs are deleted gracefully: the agent stops their containers, then deletes with 0.
   */
  public OptionalLong gracePeriodSeconds(T object, DeleteRequest request) {
    return OptionalLong.empty();
  }

  static final class PodStrategy extends ResourceStrategy<Pod> {
    PodStrategy() {
      super(Kinds.POD);
    }

    @Override
    public Pod prepareForCreate(Pod pod) {
      return pod.toBuilder().setStatus(PodStatus.newBuilder().setPhase("Pending")).build();
    }

    @Override
    public OptionalLong gracePeriodSeconds(Pod pod, DeleteRequest request) {
      long grace = request.hasGracePeriodSeconds() ? request.getGracePeriodSeconds()
          : pod.getSpec().hasTerminationGracePeriodSeconds() ? pod.getSpec().getTerminationGracePeriodSeconds() : 30;
      String phase = pod.getStatus().getPhase();
      boolean terminal = phase.equals("Succeeded") || phase.equals("Failed");
      if (grace <= 0 || pod.getSpec().getNodeName().isEmpty() || terminal) {
        return OptionalLong.empty();
      }
      return OptionalLong.of(grace);
    }
  }
}
