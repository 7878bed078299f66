package dev.capstan.apiserver.registry;

import dev.capstan.api.core.v1.Service;
import dev.capstan.api.core.v1.ServicePort;
import dev.capstan.api.core.v1.ServiceSpec;
import dev.capstan.apiserver.allocation.ServiceTypes;
import dev.capstan.client.Kinds;

/**
 * Services: Create starts with an empty status. An Update that leaves the cluster IP or a node
 * port empty keeps the one the Service holds, as Kubernetes does, so that re-applying the manifest
 * a Service was created from (which names neither) is not taken for an attempt to change them.
 */
final class ServiceStrategy extends ResourceStrategy<Service> {
  ServiceStrategy() {
    super(Kinds.SERVICE);
  }

  @Override
  public Service prepareForCreate(Service service) {
    return service.toBuilder().clearStatus().build();
  }

  @Override
  public Service prepareForUpdate(Service updated, Service old) {
    ServiceSpec oldSpec = old.getSpec();
    ServiceSpec.Builder spec = updated.getSpec().toBuilder();
    if (ServiceTypes.needsClusterIp(spec.build()) && ServiceTypes.needsClusterIp(oldSpec)
        && spec.getClusterIp().isEmpty()) {
      spec.setClusterIp(oldSpec.getClusterIp());
      if (spec.getClusterIpsCount() == 0) {
        spec.addAllClusterIps(oldSpec.getClusterIpsList());
      }
    }
    if (ServiceTypes.needsNodePorts(spec.build()) && ServiceTypes.needsNodePorts(oldSpec)) {
      for (int i = 0; i < spec.getPortsCount(); i++) {
        ServicePort port = spec.getPorts(i);
        if (port.getNodePort() != 0) {
          continue;
        }
        for (ServicePort was : oldSpec.getPortsList()) {
          if (was.getPort() == port.getPort() && was.getProtocol().equals(port.getProtocol())) {
            spec.setPorts(i, port.toBuilder().setNodePort(was.getNodePort()));
            break;
          }
        }
      }
    }
    return super.prepareForUpdate(updated.toBuilder().setSpec(spec).build(), old);
  }
}
