package dev.capstan.controllers.framework;

import com.google.protobuf.Message;
import dev.capstan.client.Kind;
import dev.capstan.client.informer.ResourceEventHandler;
import java.util.Objects;

/**
 * Turns events of a controller's own kind (a ReplicaSet for the ReplicaSet controller, a Job for
 * the Job controller, ...) into work: every add, update and delete puts the object's key on the
 * loop. Updates are not filtered, as in Kubernetes: a status change or a periodic resync is a sync
 * too, the safety net of a level-triggered controller. A deleted owner's
 * {@link ControllerExpectations} are forgotten, so that an owner re-created under the same name
 * does not wait for what the old one expected (none given: nothing to forget).
 */
public final class OwnerEvents<O extends Message> implements ResourceEventHandler<O> {
  private final Kind<O> kind;
  private final ControllerLoop loop;
  private final ControllerExpectations expectations;

  /** For a controller that keeps no expectations. */
  public OwnerEvents(Kind<O> kind, ControllerLoop loop) {
    this(kind, loop, null);
  }

  public OwnerEvents(Kind<O> kind, ControllerLoop loop, ControllerExpectations expectations) {
    this.kind = Objects.requireNonNull(kind, "kind");
    this.loop = Objects.requireNonNull(loop, "loop");
    this.expectations = expectations;
  }

  @Override
  public void onAdd(O owner) {
    loop.enqueue(kind.key(owner));
  }

  @Override
  public void onUpdate(O old, O owner) {
    loop.enqueue(kind.key(owner));
  }

  @Override
  public void onDelete(O owner) {
    String key = kind.key(owner);
    if (expectations != null) {
      expectations.forget(key);
    }
    loop.enqueue(key);
  }
}
