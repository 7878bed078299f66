package dev.capstan.client.leaderelection;

import dev.capstan.api.coordination.v1.Lease;
import io.grpc.Status;
import java.util.Optional;

/**
 * A fake lease store with the apiserver's optimistic concurrency: create fails ALREADY_EXISTS,
 * update with a stale resourceVersion fails ABORTED; can be switched to fail every call.
 */
final class InMemoryLeaseLock implements LeaseLock {
  private Lease stored;
  private long revision;
  private volatile boolean unavailable;
  private Runnable beforeUpdate = () -> {};

  synchronized Optional<Lease> current() {
    return Optional.ofNullable(stored);
  }

  void setUnavailable(boolean unavailable) {
    this.unavailable = unavailable;
  }

  synchronized void beforeNextUpdate(Runnable hook) {
    this.beforeUpdate = hook;
  }

  /** Writes the lease as some other party would, bumping its resourceVersion. */
  synchronized void overwrite(Lease lease) {
    stored = withVersion(lease);
  }

  @Override
  public synchronized Optional<Lease> get() {
    failIfUnavailable();
    return Optional.ofNullable(stored);
  }

  @Override
  public synchronized Lease create(Lease lease) {
    failIfUnavailable();
    if (stored != null) {
      throw Status.ALREADY_EXISTS.withDescription("lease exists").asRuntimeException();
    }
    stored = withVersion(lease);
    return stored;
  }

  @Override
  public synchronized Lease update(Lease lease) {
    failIfUnavailable();
    Runnable hook = beforeUpdate;
    beforeUpdate = () -> {};
    hook.run();
    if (stored == null) {
      throw Status.NOT_FOUND.asRuntimeException();
    }
    if (!stored.getMetadata().getResourceVersion().equals(lease.getMetadata().getResourceVersion())) {
      throw Status.ABORTED.withDescription("stale resourceVersion").asRuntimeException();
    }
    stored = withVersion(lease);
    return stored;
  }

  private Lease withVersion(Lease lease) {
    revision++;
    return lease.toBuilder()
        .setMetadata(lease.getMetadata().toBuilder().setResourceVersion(Long.toString(revision)))
        .build();
  }

  private void failIfUnavailable() {
    if (unavailable) {
      throw Status.UNAVAILABLE.withDescription("apiserver down").asRuntimeException();
    }
  }
}
