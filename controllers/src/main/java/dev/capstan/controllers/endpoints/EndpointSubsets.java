package dev.capstan.controllers.endpoints;

import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.ContainerPort;
import dev.capstan.api.core.v1.EndpointAddress;
import dev.capstan.api.core.v1.EndpointPort;
import dev.capstan.api.core.v1.EndpointSubset;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.Service;
import dev.capstan.api.core.v1.ServicePort;
import dev.capstan.api.meta.v1.ObjectReference;
import dev.capstan.controllers.framework.PodState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * The Endpoints subsets of a Service, computed from its pods as Kubernetes' endpoints controller
 * does. A pod counts when its labels match the selector, it has an IP, and it is neither
 * terminating nor finished; it is listed under {@code addresses} when Ready (or the Service
 * publishes not-ready addresses) and under {@code notReadyAddresses} otherwise. Each Service port
 * maps to the pod's port its targetPort names: a number as it is, a name looked up among the
 * pod's container ports with the same protocol (a pod without that name does not serve that
 * port). A pod whose {@code subdomain} is the Service's name is listed with its {@code hostname}.
 * Pods that serve the same ports share one subset. The result is sorted (subsets by their
 * ports, addresses by IP) so that an unchanged set of pods gives an equal message and no write.
 */
public final class EndpointSubsets {
  private EndpointSubsets() {}

  public static boolean selects(Service service, Pod pod) {
    Map<String, String> selector = service.getSpec().getSelectorMap();
    Map<String, String> labels = pod.getMetadata().getLabelsMap();
    return !selector.isEmpty() && selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
  }

  public static List<EndpointSubset> of(Service service, List<Pod> pods) {
    // Subsets keyed by the text of their ports, so that pods serving the same ports share one.
    Map<String, Subset> subsets = new TreeMap<>();
    for (Pod pod : pods) {
      if (!selects(service, pod) || pod.getStatus().getPodIp().isEmpty() || !PodState.isActive(pod)) {
        continue;
      }
      List<EndpointPort> ports = new ArrayList<>();
      for (ServicePort servicePort : service.getSpec().getPortsList()) {
        resolve(servicePort, pod).ifPresent(number -> ports.add(EndpointPort.newBuilder()
            .setName(servicePort.getName()).setPort(number).setProtocol(servicePort.getProtocol()).build()));
      }
      if (ports.isEmpty() && service.getSpec().getPortsCount() > 0) {
        continue;  // it serves none of the Service's ports
      }
      ports.sort(Comparator.comparing(EndpointPort::getName).thenComparingInt(EndpointPort::getPort)
          .thenComparing(EndpointPort::getProtocol));
      Subset subset = subsets.computeIfAbsent(ports.toString(), k -> new Subset(ports));
      boolean ready = PodState.isReady(pod) || service.getSpec().getPublishNotReadyAddresses();
      (ready ? subset.ready : subset.notReady).add(address(pod, service));
    }
    List<EndpointSubset> result = new ArrayList<>();
    Comparator<EndpointAddress> byIp = Comparator.comparing(EndpointAddress::getIp)
        .thenComparing(a -> a.getTargetRef().getName());
    for (Subset s : subsets.values()) {
      s.ready.sort(byIp);
      s.notReady.sort(byIp);
      result.add(EndpointSubset.newBuilder().addAllAddresses(s.ready).addAllNotReadyAddresses(s.notReady)
          .addAllPorts(s.ports).build());
    }
    return result;
  }

  /** The pod's port number a Service port's targetPort names, if the pod has it. */
  static OptionalInt resolve(ServicePort servicePort, Pod pod) {
    String target = servicePort.getTargetPort().isEmpty()
        ? Integer.toString(servicePort.getPort()) : servicePort.getTargetPort();
    if (target.chars().allMatch(Character::isDigit)) {
      try {
        return OptionalInt.of(Integer.parseInt(target));
      } catch (NumberFormatException e) {
        return OptionalInt.empty();
      }
    }
    for (Container container : pod.getSpec().getContainersList()) {
      for (ContainerPort port : container.getPortsList()) {
        String protocol = port.getProtocol().isEmpty() ? "TCP" : port.getProtocol();
        if (port.getName().equals(target) && protocol.equals(servicePort.getProtocol())) {
          return OptionalInt.of(port.getContainerPort());
        }
      }
    }
    return OptionalInt.empty();
  }

  /** The pod's address; with its hostname when the pod names this Service as its subdomain (headless DNS). */
  private static EndpointAddress address(Pod pod, Service service) {
    EndpointAddress.Builder a = EndpointAddress.newBuilder().setIp(pod.getStatus().getPodIp())
        .setTargetRef(ObjectReference.newBuilder().setKind("Pod").setNamespace(pod.getMetadata().getNamespace())
            .setName(pod.getMetadata().getName()).setUid(pod.getMetadata().getUid()));
    Optional.of(pod.getSpec().getNodeName()).filter(n -> !n.isEmpty()).ifPresent(a::setNodeName);
    if (!pod.getSpec().getHostname().isEmpty()
        && pod.getSpec().getSubdomain().equals(service.getMetadata().getName())) {
      a.setHostname(pod.getSpec().getHostname());
    }
    return a.build();
  }

  private static final class Subset {
    final List<EndpointPort> ports;
    final List<EndpointAddress> ready = new ArrayList<>();
    final List<EndpointAddress> notReady = new ArrayList<>();

    Subset(List<EndpointPort> ports) {
      this.ports = ports;
    }
  }
}
