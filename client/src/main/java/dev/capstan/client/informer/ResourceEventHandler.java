package dev.capstan.client.informer;

/**
 * Receives an informer's notifications. An informer calls its handlers from one dispatcher thread,
 * in event order and never concurrently, after its cache reflects the change. Handlers should be
 * quick (typically: put the object's key on a work queue); an exception is logged and skipped.
 *
 * @param <T> the resource message
 */
public interface ResourceEventHandler<T> {
  /** The object appeared: from the initial list, a watch ADDED event or a relist. */
  default void onAdd(T obj) {}

  /**
   * The object changed, or a periodic resync re-delivers it unchanged ({@code oldObj == newObj}
   * then; compare resourceVersions to tell the two apart).
   */
  default void onUpdate(T oldObj, T newObj) {}

  /** The object is gone; {@code obj} is its last known state. */
  default void onDelete(T obj) {}
}
