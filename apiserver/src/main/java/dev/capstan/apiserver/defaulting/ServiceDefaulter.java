package dev.capstan.apiserver.defaulting;

import dev.capstan.api.core.v1.Service;
import dev.capstan.api.core.v1.ServicePort;
import dev.capstan.api.core.v1.ServiceSpec;

/**
 * Service defaults, as Kubernetes': type ClusterIP, sessionAffinity None, each port's protocol
 * TCP and targetPort its port; a headless Service's clusterIPs is ["None"]; ipFamilies [IPv4]
 * and ipFamilyPolicy SingleStack but for ExternalName. The allocated
 * clusterIP and nodePorts are filled in later, by the registry's allocator.
 */
final class ServiceDefaulter implements Defaulter<Service> {
  @Override
  public Service applyDefaults(Service service) {
    ServiceSpec.Builder spec = service.getSpec().toBuilder();
    if (spec.getType().isEmpty()) {
      spec.setType("ClusterIP");
    }
    if (spec.getSessionAffinity().isEmpty()) {
      spec.setSessionAffinity("None");
    }
    if (spec.getClusterIp().equals("None") && spec.getClusterIpsCount() == 0) {
      spec.addClusterIps("None");
    }
    if (!spec.getType().equals("ExternalName")) {  // IPv4 only, for now
      if (spec.getIpFamiliesCount() == 0) {
        spec.addIpFamilies("IPv4");
      }
      if (spec.getIpFamilyPolicy().isEmpty()) {
        spec.setIpFamilyPolicy("SingleStack");
      }
    }
    for (int i = 0; i < spec.getPortsCount(); i++) {
      ServicePort.Builder port = spec.getPorts(i).toBuilder();
      if (port.getProtocol().isEmpty()) {
        port.setProtocol("TCP");
      }
      if (port.getTargetPort().isEmpty() || port.getTargetPort().equals("0")) {
        port.setTargetPort(Integer.toString(port.getPort()));
      }
      spec.setPorts(i, port);
    }
    return service.toBuilder().setSpec(spec).build();
  }
}
