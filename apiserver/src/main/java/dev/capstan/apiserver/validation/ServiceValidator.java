package dev.capstan.apiserver.validation;

import dev.capstan.api.core.v1.Service;
import dev.capstan.api.core.v1.ServicePort;
import dev.capstan.api.core.v1.ServiceSpec;
import dev.capstan.apiserver.allocation.Ipv4Cidr;
import dev.capstan.apiserver.allocation.ServiceTypes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Validates Services as Kubernetes does, for the fields Capstan serves: the name is a DNS-1035
 * label; type and sessionAffinity are known values; every port has a number in 1-65535, a known
 * protocol, a targetPort that is a port number or a port name, and a name (required when there
 * are several, unique, a DNS-1123 label); port and protocol pairs are unique; nodePort only on
 * NodePort and LoadBalancer Services; clusterIP is empty, "None" (headless, not for NodePort or
 * LoadBalancer) or an IPv4 address, and does not change on update. Whether a requested clusterIP
 * or nodePort is in range and free is the allocator's question.
 */
final class ServiceValidator implements Validator<Service> {
  private static final List<String> PROTOCOLS = List.of("TCP", "UDP", "SCTP");
  private final ObjectMetaValidator meta = ObjectMetaValidator.dns1035LabelNames(true);

  @Override
  public List<FieldError> validate(Service service, Service old) {
    List<FieldError> errors = new ArrayList<>(
        meta.validate(service.getMetadata(), old == null ? null : old.getMetadata()));
    ServiceSpec spec = service.getSpec();
    FieldPath path = FieldPath.of("spec");
    String type = spec.getType();
    if (!ServiceTypes.ALL.contains(type)) {
      errors.add(path.child("type").unsupported(type, ServiceTypes.ALL.toArray(String[]::new)));
    }
    if (!spec.getSessionAffinity().equals("None") && !spec.getSessionAffinity().equals("ClientIP")) {
      errors.add(path.child("sessionAffinity").unsupported(spec.getSessionAffinity(), "ClientIP", "None"));
    }
    errors.addAll(ObjectMetaValidator.labels(spec.getSelectorMap(), path.child("selector")));
    errors.addAll(clusterIp(spec, old == null ? null : old.getSpec(), path));
    if (type.equals(ServiceTypes.EXTERNAL_NAME)) {
      if (spec.getExternalName().isEmpty()) {
        errors.add(path.child("externalName").required());
      } else {
        NameSyntax.dns1123Subdomain(spec.getExternalName())
            .ifPresent(why -> errors.add(path.child("externalName").invalid(spec.getExternalName(), why)));
      }
    }
    boolean headless = spec.getClusterIp().equals(ServiceTypes.NONE);
    if (spec.getPortsCount() == 0 && !headless && !type.equals(ServiceTypes.EXTERNAL_NAME)) {
      errors.add(path.child("ports").required());
    }
    errors.addAll(ports(spec, path.child("ports")));
    return errors;
  }

  private static List<FieldError> clusterIp(ServiceSpec spec, ServiceSpec old, FieldPath path) {
    List<FieldError> errors = new ArrayList<>();
    FieldPath at = path.child("clusterIP");
    String ip = spec.getClusterIp();
    if (ip.equals(ServiceTypes.NONE)) {
      if (ServiceTypes.needsNodePorts(spec)) {
        errors.add(at.invalid(ip, "may not be set to 'None' for " + spec.getType() + " services"));
      }
    } else if (!ip.isEmpty() && Ipv4Cidr.parseAddress(ip).isEmpty()) {
      errors.add(at.invalid(ip, "must be empty, 'None', or a valid IPv4 address"));
    }
    if (spec.getType().equals(ServiceTypes.EXTERNAL_NAME) && !ip.isEmpty()) {
      errors.add(at.invalid(ip, "may not be set for ExternalName services"));
    }
    if (spec.getClusterIpsCount() > 0 && !spec.getClusterIps(0).equals(ip)) {
      errors.add(path.child("clusterIPs").index(0).invalid(spec.getClusterIps(0), "must match `clusterIP`"));
    }
    if (old != null && !old.getClusterIp().isEmpty() && !ip.equals(old.getClusterIp())
        && !spec.getType().equals(ServiceTypes.EXTERNAL_NAME)) {
      errors.add(at.immutable());
    }
    return errors;
  }

  private static List<FieldError> ports(ServiceSpec spec, FieldPath path) {
    List<FieldError> errors = new ArrayList<>();
    Set<String> names = new HashSet<>();
    Set<String> portProtocols = new HashSet<>();
    Set<String> nodePortProtocols = new HashSet<>();
    boolean several = spec.getPortsCount() > 1;
    for (int i = 0; i < spec.getPortsCount(); i++) {
      ServicePort port = spec.getPorts(i);
      FieldPath at = path.index(i);
      if (port.getName().isEmpty()) {
        if (several) {
          errors.add(at.child("name").required());
        }
      } else {
        NameSyntax.dns1123Label(port.getName())
            .ifPresent(why -> errors.add(at.child("name").invalid(port.getName(), why)));
        if (!names.add(port.getName())) {
          errors.add(at.child("name").duplicate(port.getName()));
        }
      }
      if (port.getPort() < 1 || port.getPort() > 65535) {
        errors.add(at.child("port").invalid(port.getPort(), "must be between 1 and 65535, inclusive"));
      }
      if (!PROTOCOLS.contains(port.getProtocol())) {
        errors.add(at.child("protocol").unsupported(port.getProtocol(), PROTOCOLS.toArray(String[]::new)));
      }
      if (!portProtocols.add(port.getPort() + "/" + port.getProtocol())) {
        errors.add(at.duplicate(port.getPort() + "/" + port.getProtocol()));
      }
      targetPort(port.getTargetPort(), at.child("targetPort"), errors);
      int nodePort = port.getNodePort();
      if (nodePort != 0) {
        if (!ServiceTypes.needsNodePorts(spec)) {
          errors.add(at.child("nodePort").error("may not be used when `type` is '" + spec.getType() + "'"));
        } else if (nodePort < 1 || nodePort > 65535) {
          errors.add(at.child("nodePort").invalid(nodePort, "must be between 1 and 65535, inclusive"));
        } else if (!nodePortProtocols.add(nodePort + "/" + port.getProtocol())) {
          errors.add(at.child("nodePort").duplicate(nodePort + "/" + port.getProtocol()));
        }
      }
    }
    return errors;
  }

  /** A port number in 1-65535 or the name of a container port (an IANA service name). */
  private static void targetPort(String value, FieldPath at, List<FieldError> errors) {
    if (!value.isEmpty() && value.chars().allMatch(Character::isDigit)) {
      long number = value.length() > 6 ? Long.MAX_VALUE : Long.parseLong(value);
      if (number < 1 || number > 65535) {
        errors.add(at.invalid(value, "must be between 1 and 65535, inclusive"));
      }
      return;
    }
    NameSyntax.ianaServiceName(value).ifPresent(why -> errors.add(at.invalid(value, why)));
  }
}
