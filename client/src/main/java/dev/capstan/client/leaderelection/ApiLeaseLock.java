package dev.capstan.client.leaderelection;

import dev.capstan.api.coordination.v1.Lease;
import dev.capstan.client.ResourceClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Optional;

/** A {@link LeaseLock} on a Lease object served by the apiserver. */
final class ApiLeaseLock implements LeaseLock {
  private final ResourceClient<Lease> leases;
  private final String namespace;
  private final String name;

  ApiLeaseLock(ResourceClient<Lease> leases, String namespace, String name) {
    this.leases = leases;
    this.namespace = namespace;
    this.name = name;
  }

  @Override
  public Optional<Lease> get() {
    try {
      return Optional.of(leases.get(namespace, name));
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  public Lease create(Lease lease) {
    return leases.create(lease);
  }

  @Override
  public Lease update(Lease lease) {
    return leases.update(lease);
  }
}
