package dev.capstan.controllers.framework;

/**
 * Level-triggered reconciliation of one object: read the desired state (the object, from a cache)
 * and the actual state (from caches), and make one step toward the desired one. Called with the
 * object's key, never twice at once for the same key. It must be idempotent: the same key may be
 * reconciled again at any time, also after the object is gone.
 */
@FunctionalInterface
public interface Reconciler {
  /**
   * @throws Exception to have the key retried after a per-key exponential backoff; a conflict
   *     (ABORTED) is expected now and then and retried the same way
   */
  void reconcile(String key) throws Exception;
}
