package dev.capstan.apiserver.validation;

import dev.capstan.api.core.v1.EndpointAddress;
import dev.capstan.api.core.v1.EndpointPort;
import dev.capstan.api.core.v1.EndpointSubset;
import dev.capstan.api.core.v1.Endpoints;
import dev.capstan.apiserver.allocation.Ipv4Cidr;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Validates Endpoints: every subset has at least one address (ports may be absent: a headless
 * Service without ports); addresses are IPv4
 * addresses; ports are numbers in 1-65535 with a known protocol and, when a subset has several,
 * unique DNS-1123 label names.
 */
final class EndpointsValidator implements Validator<Endpoints> {
  private static final List<String> PROTOCOLS = List.of("TCP", "UDP", "SCTP");
  private final ObjectMetaValidator meta = ObjectMetaValidator.subdomainNames(true);

  @Override
  public List<FieldError> validate(Endpoints endpoints, Endpoints old) {
    List<FieldError> errors = new ArrayList<>(
        meta.validate(endpoints.getMetadata(), old == null ? null : old.getMetadata()));
    for (int i = 0; i < endpoints.getSubsetsCount(); i++) {
      EndpointSubset subset = endpoints.getSubsets(i);
      FieldPath at = FieldPath.of("subsets").index(i);
      if (subset.getAddressesCount() == 0 && subset.getNotReadyAddressesCount() == 0) {
        errors.add(at.error("must specify `addresses` or `notReadyAddresses`"));
      }
      addresses(subset.getAddressesList(), at.child("addresses"), errors);
      addresses(subset.getNotReadyAddressesList(), at.child("notReadyAddresses"), errors);
      Set<String> names = new HashSet<>();
      for (int j = 0; j < subset.getPortsCount(); j++) {
        EndpointPort port = subset.getPorts(j);
        FieldPath p = at.child("ports").index(j);
        if (port.getName().isEmpty()) {
          if (subset.getPortsCount() > 1) {
            errors.add(p.child("name").required());
          }
        } else {
          NameSyntax.dns1123Label(port.getName())
              .ifPresent(why -> errors.add(p.child("name").invalid(port.getName(), why)));
          if (!names.add(port.getName())) {
            errors.add(p.child("name").duplicate(port.getName()));
          }
        }
        if (port.getPort() < 1 || port.getPort() > 65535) {
          errors.add(p.child("port").invalid(port.getPort(), "must be between 1 and 65535, inclusive"));
        }
        if (!PROTOCOLS.contains(port.getProtocol())) {
          errors.add(p.child("protocol").unsupported(port.getProtocol(), PROTOCOLS.toArray(String[]::new)));
        }
      }
    }
    return errors;
  }

  private static void addresses(List<EndpointAddress> addresses, FieldPath path, List<FieldError> errors) {
    for (int i = 0; i < addresses.size(); i++) {
      String ip = addresses.get(i).getIp();
      FieldPath at = path.index(i).child("ip");
      if (ip.isEmpty()) {
        errors.add(at.required());
      } else if (Ipv4Cidr.parseAddress(ip).isEmpty()) {
        errors.add(at.invalid(ip, "must be a valid IPv4 address"));
      }
    }
  }
}
