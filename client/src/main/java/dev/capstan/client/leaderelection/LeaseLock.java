package dev.capstan.client.leaderelection;

import dev.capstan.api.coordination.v1.Lease;
import java.util.Optional;

/**
 * Reads and writes the one Lease a {@link LeaderElector} competes for. {@link #update} must fail
 * with {@link io.grpc.Status.Code#ABORTED} when the lease's resourceVersion is stale and
 * {@link #create} with ALREADY_EXISTS when someone created it first; failures are
 * {@link io.grpc.StatusRuntimeException}s.
 */
interface LeaseLock {
  Optional<Lease> get();

  Lease create(Lease lease);

  Lease update(Lease lease);
}
