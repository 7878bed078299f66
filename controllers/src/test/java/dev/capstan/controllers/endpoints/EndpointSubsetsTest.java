package dev.capstan.controllers.endpoints;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.ContainerPort;
import dev.capstan.api.core.v1.EndpointAddress;
import dev.capstan.api.core.v1.EndpointPort;
import dev.capstan.api.core.v1.EndpointSubset;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodCondition;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.PodStatus;
import dev.capstan.api.core.v1.Service;
import dev.capstan.api.core.v1.ServicePort;
import dev.capstan.api.core.v1.ServiceSpec;
import dev.capstan.api.meta.v1.ObjectMeta;
import com.google.protobuf.Timestamp;
import java.util.List;
import org.junit.jupiter.api.Test;

class EndpointSubsetsTest {
  private static final Service WEB = Service.newBuilder()
      .setMetadata(ObjectMeta.newBuilder().setNamespace("ns").setName("web"))
      .setSpec(ServiceSpec.newBuilder().putSelector("app", "web")
          .addPorts(ServicePort.newBuilder().setName("http").setPort(80).setTargetPort("http").setProtocol("TCP"))
          .addPorts(ServicePort.newBuilder().setName("metrics").setPort(9090).setTargetPort("9100")
              .setProtocol("TCP")))
      .build();

  @Test
  void readyAndNotReadyPodsAreListedApartWithNamedPortsResolvedPerPod() {
    Pod a = pod("a", "10.0.0.2", true, 8080);
    Pod b = pod("b", "10.0.0.1", true, 8080);
    Pod c = pod("c", "10.0.0.3", false, 8080);
    Pod d = pod("d", "10.0.0.4", true, 8081);  // serves http on another port: a subset of its own

    List<EndpointSubset> subsets = EndpointSubsets.of(WEB, List.of(a, b, c, d));

    assertThat(subsets).hasSize(2);
    EndpointSubset first = subsets.get(0);
    assertThat(first.getPortsList()).containsExactly(port("http", 8080), port("metrics", 9100));
    assertThat(first.getAddressesList()).extracting(EndpointAddress::getIp).containsExactly("10.0.0.1", "10.0.0.2");
    assertThat(first.getNotReadyAddressesList()).extracting(EndpointAddress::getIp).containsExactly("10.0.0.3");
    assertThat(first.getAddresses(0).getTargetRef().getName()).isEqualTo("b");
    assertThat(first.getAddresses(0).getNodeName()).isEqualTo("node-1");
    assertThat(subsets.get(1).getPortsList()).containsExactly(port("http", 8081), port("metrics", 9100));
    assertThat(subsets.get(1).getAddressesList()).extracting(EndpointAddress::getIp).containsExactly("10.0.0.4");
  }

  @Test
  void podsWithoutIpTerminatingFinishedOrNotSelectedAreLeftOut() {
    Pod noIp = pod("no-ip", "", true, 8080);
    Pod terminating = pod("terminating", "10.0.0.5", true, 8080);
    terminating = terminating.toBuilder().setMetadata(terminating.getMetadata().toBuilder()
        .setDeletionTimestamp(Timestamp.newBuilder().setSeconds(1))).build();
    Pod done = pod("done", "10.0.0.6", false, 8080);
    done = done.toBuilder().setStatus(done.getStatus().toBuilder().setPhase("Succeeded")).build();
    Pod other = pod("other", "10.0.0.7", true, 8080);
    other = other.toBuilder().setMetadata(other.getMetadata().toBuilder().putLabels("app", "db")).build();

    assertThat(EndpointSubsets.of(WEB, List.of(noIp, terminating, done, other))).isEmpty();
  }

  @Test
  void aPodWithoutTheNamedPortServesOnlyTheNumberedOne() {
    Pod plain = pod("plain", "10.0.0.8", true, 8080).toBuilder()
        .setSpec(PodSpec.newBuilder().addContainers(Container.newBuilder().setName("c"))).build();

    List<EndpointSubset> subsets = EndpointSubsets.of(WEB, List.of(plain));

    assertThat(subsets).hasSize(1);
    assertThat(subsets.get(0).getPortsList()).containsExactly(port("metrics", 9100));
  }

  @Test
  void aPodInTheServicesSubdomainIsListedWithItsHostname() {
    Pod named = pod("db-0", "10.0.0.9", true, 8080);
    named = named.toBuilder().setSpec(named.getSpec().toBuilder().setHostname("db-0").setSubdomain("web")).build();
    Pod elsewhere = pod("db-1", "10.0.0.10", true, 8080);
    elsewhere = elsewhere.toBuilder().setSpec(elsewhere.getSpec().toBuilder().setHostname("db-1").setSubdomain("other"))
        .build();

    List<EndpointAddress> addresses = EndpointSubsets.of(WEB, List.of(named, elsewhere)).get(0).getAddressesList();

    assertThat(addresses).extracting(EndpointAddress::getHostname).containsExactly("", "db-0");
  }

  @Test
  void publishNotReadyAddressesListsEveryPodAsReady() {
    Service web = WEB.toBuilder().setSpec(WEB.getSpec().toBuilder().setPublishNotReadyAddresses(true)).build();

    List<EndpointSubset> subsets = EndpointSubsets.of(web, List.of(pod("c", "10.0.0.3", false, 8080)));

    assertThat(subsets.get(0).getAddressesList()).extracting(EndpointAddress::getIp).containsExactly("10.0.0.3");
    assertThat(subsets.get(0).getNotReadyAddressesList()).isEmpty();
  }

  private static EndpointPort port(String name, int number) {
    return EndpointPort.newBuilder().setName(name).setPort(number).setProtocol("TCP").build();
  }

  private static Pod pod(String name, String ip, boolean ready, int httpPort) {
    return Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("ns").setName(name).setUid("uid-" + name)
            .putLabels("app", "web"))
        .setSpec(PodSpec.newBuilder().setNodeName("node-1").addContainers(Container.newBuilder().setName("c")
            .addPorts(ContainerPort.newBuilder().setName("http").setContainerPort(httpPort))))
        .setStatus(PodStatus.newBuilder().setPhase("Running").setPodIp(ip)
            .addConditions(PodCondition.newBuilder().setType("Ready").setStatus(ready ? "True" : "False")))
        .build();
  }
}
