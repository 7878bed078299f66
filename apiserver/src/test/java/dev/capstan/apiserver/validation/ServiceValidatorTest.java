package dev.capstan.apiserver.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.core.v1.EndpointAddress;
import dev.capstan.api.core.v1.EndpointPort;
import dev.capstan.api.core.v1.EndpointSubset;
import dev.capstan.api.core.v1.Endpoints;
import dev.capstan.api.core.v1.Service;
import dev.capstan.api.core.v1.ServicePort;
import dev.capstan.api.core.v1.ServiceSpec;
import dev.capstan.apiserver.defaulting.Defaulters;
import dev.capstan.client.Kinds;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Service and Endpoints validation, on defaulted objects as the registry validates them. */
class ServiceValidatorTest {
  private static List<String> errors(Service.Builder service, Service old) {
    Service defaulted = Defaulters.forKind(Kinds.SERVICE).applyDefaults(service.build());
    return Validators.forKind(Kinds.SERVICE).validate(defaulted, old).stream().map(FieldError::toString).toList();
  }

  private static Service.Builder service(ServicePort.Builder... ports) {
    ServiceSpec.Builder spec = ServiceSpec.newBuilder().putSelector("app", "web");
    for (ServicePort.Builder p : ports) {
      spec.addPorts(p);
    }
    return Service.newBuilder().setMetadata(Fixtures.meta("web")).setSpec(spec);
  }

  private static ServicePort.Builder port(String name, int port) {
    return ServicePort.newBuilder().setName(name).setPort(port);
  }

  @Test
  void defaultsAreKubernetes() {
    Service s = Defaulters.forKind(Kinds.SERVICE).applyDefaults(service(port("", 80)).build());
    assertThat(s.getSpec().getType()).isEqualTo("ClusterIP");
    assertThat(s.getSpec().getSessionAffinity()).isEqualTo("None");
    assertThat(s.getSpec().getPorts(0).getProtocol()).isEqualTo("TCP");
    assertThat(s.getSpec().getPorts(0).getTargetPort()).isEqualTo("80");
    assertThat(errors(service(port("", 80)), null)).isEmpty();
    assertThat(errors(service(port("http", 80).setTargetPort("http"), port("dns", 53).setProtocol("UDP")), null))
        .isEmpty();
  }

  @Test
  void portsNameTheFieldThatIsWrong() {
    assertThat(errors(service(port("", 0)), null)).containsExactly(
        "spec.ports[0].port: invalid value 0: must be between 1 and 65535, inclusive",
        "spec.ports[0].targetPort: invalid value \"0\": must be between 1 and 65535, inclusive");
    assertThat(errors(service(port("http", 80), port("", 81)), null))
        .containsExactly("spec.ports[1].name: required");
    assertThat(errors(service(port("http", 80), port("http", 81)), null))
        .containsExactly("spec.ports[1].name: duplicate value \"http\"");
    assertThat(errors(service(port("a", 80), port("b", 80)), null))
        .containsExactly("spec.ports[1]: duplicate value \"80/TCP\"");
    assertThat(errors(service(port("", 80).setProtocol("HTTP")), null))
        .containsExactly("spec.ports[0].protocol: unsupported value \"HTTP\": supported values: \"TCP\", \"UDP\", \"SCTP\"");
    assertThat(errors(service(port("", 80).setTargetPort("Not_A_Name")), null)).hasSize(1)
        .first().asString().startsWith("spec.ports[0].targetPort: invalid value \"Not_A_Name\"");
    assertThat(errors(service(port("", 80).setNodePort(30080)), null))
        .containsExactly("spec.ports[0].nodePort: may not be used when `type` is 'ClusterIP'");
    assertThat(errors(service(), null)).containsExactly("spec.ports: required");
  }

  @Test
  void typesClusterIpsAndNames() {
    Service.Builder headless = service().setSpec(ServiceSpec.newBuilder().setClusterIp("None"));
    assertThat(errors(headless, null)).isEmpty();
    assertThat(errors(service(port("", 80)).setSpec(ServiceSpec.newBuilder().setType("NodePort").setClusterIp("None")
        .addPorts(port("", 80))), null))
        .containsExactly("spec.clusterIP: invalid value \"None\": may not be set to 'None' for NodePort services");
    assertThat(errors(service(port("", 80)).setSpec(ServiceSpec.newBuilder().setType("Balanced")
        .addPorts(port("", 80))), null)).containsExactly("spec.type: unsupported value \"Balanced\": supported values:"
        + " \"ClusterIP\", \"NodePort\", \"LoadBalancer\", \"ExternalName\"");
    assertThat(errors(service(port("", 80)).setSpec(ServiceSpec.newBuilder().setClusterIp("10.96.0.300")
        .addPorts(port("", 80))), null)).containsExactly(
        "spec.clusterIP: invalid value \"10.96.0.300\": must be empty, 'None', or a valid IPv4 address");
    assertThat(errors(service().setSpec(ServiceSpec.newBuilder().setType("ExternalName")), null))
        .containsExactly("spec.externalName: required");
    assertThat(errors(service(port("", 80)).setMetadata(Fixtures.meta("1web")), null)).hasSize(1)
        .first().asString().startsWith("metadata.name: invalid value \"1web\": a DNS-1035 label");
  }

  @Test
  void clusterIpIsImmutable() {
    Service old = Defaulters.forKind(Kinds.SERVICE).applyDefaults(service(port("", 80)).build());
    old = old.toBuilder().setSpec(old.getSpec().toBuilder().setClusterIp("10.96.0.10").addClusterIps("10.96.0.10"))
        .build();
    Service.Builder changed = old.toBuilder();
    changed.getSpecBuilder().setClusterIp("10.96.0.11").clearClusterIps();
    assertThat(errors(changed, old)).containsExactly("spec.clusterIP: field is immutable");
    assertThat(errors(old.toBuilder(), old)).isEmpty();
  }

  @Test
  void endpointsNeedAddressesWithValidIpsAndPorts() {
    Endpoints.Builder ep = Endpoints.newBuilder().setMetadata(Fixtures.meta("web")).addSubsets(EndpointSubset.newBuilder()
        .addAddresses(EndpointAddress.newBuilder().setIp("10.244.0.5"))
        .addPorts(EndpointPort.newBuilder().setPort(8080).setProtocol("TCP")));
    assertThat(Validators.forKind(Kinds.ENDPOINTS).validate(ep.build(), null)).isEmpty();
    ep.getSubsetsBuilder(0).addNotReadyAddresses(EndpointAddress.newBuilder().setIp("pod-a"))
        .addPorts(EndpointPort.newBuilder().setPort(70000).setProtocol("TCP"));
    assertThat(Validators.forKind(Kinds.ENDPOINTS).validate(ep.build(), null).stream().map(FieldError::toString))
        .containsExactly("subsets[0].notReadyAddresses[0].ip: invalid value \"pod-a\": must be a valid IPv4 address",
            "subsets[0].ports[0].name: required", "subsets[0].ports[1].name: required",
            "subsets[0].ports[1].port: invalid value 70000: must be between 1 and 65535, inclusive");
  }
}
