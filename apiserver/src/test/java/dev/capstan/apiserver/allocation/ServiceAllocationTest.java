package dev.capstan.apiserver.allocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.capstan.api.core.v1.Service;
import dev.capstan.api.core.v1.ServicePort;
import dev.capstan.api.core.v1.ServiceSpec;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.apiserver.ApiServer;
import dev.capstan.client.CapstanClient;
import dev.capstan.store.ratis.RaftStorePeer;
import dev.capstan.store.ratis.RatisKeyValueStore;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster IPs and node ports handed out by two apiservers on one replicated (Ratis) store, with
 * ranges small enough that concurrent creates collide: every value goes to exactly one Service,
 * a full range is refused, a deleted Service's values can be taken again, and requested values
 * that are taken or out of range are refused naming their field. Each test has its own namespace
 * but the ranges are shared, so every test gives back what it takes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServiceAllocationTest {
  /** 10.0.0.1 - 10.0.0.14 and 30000 - 30013: 14 values each. */
  private static final ServiceRanges RANGES = ServiceRanges.parse("10.0.0.0/28", "30000-30013");

  @TempDir
  static Path dir;
  private RaftStorePeer peer;
  private RatisKeyValueStore store;
  private ApiServer first;
  private ApiServer second;
  private CapstanClient one;
  private CapstanClient two;

  @BeforeAll
  void start() throws IOException {
    peer = RaftStorePeer.startSingle(dir.resolve("store"), freePort());
    await().atMost(Duration.ofSeconds(20)).until(peer::isLeader);
    store = new RatisKeyValueStore(peer);
    ApiServer.Config config = ApiServer.Config.defaults().withPort(0).withBindAddress("127.0.0.1")
        .withServiceRanges(RANGES);
    first = ApiServer.start(store, config);
    second = ApiServer.start(store, config);
    one = CapstanClient.connect("127.0.0.1:" + first.port());
    two = CapstanClient.connect("127.0.0.1:" + second.port());
  }

  @AfterAll
  void stop() {
    for (AutoCloseable c : new AutoCloseable[] {one, two, first, second, store, peer}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // closing the rest matters more
      }
    }
  }

  @Test
  void concurrentCreatesOnTwoServersGetDistinctValuesUntilTheRangesAreFull() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<Service>> created = new ArrayList<>();
    for (int i = 0; i < 14; i++) {
      CapstanClient client = i % 2 == 0 ? one : two;
      String name = "svc-" + i;
      created.add(pool.submit(() -> client.services().create(nodePortService(name, 0))));
    }
    Set<String> ips = new HashSet<>();
    Set<Integer> nodePorts = new HashSet<>();
    for (Future<Service> f : created) {
      Service s = f.get();
      ips.add(s.getSpec().getClusterIp());
      nodePorts.add(s.getSpec().getPorts(0).getNodePort());
      assertThat(s.getSpec().getClusterIpsList()).containsExactly(s.getSpec().getClusterIp());
    }
    pool.shutdown();
    assertThat(ips).hasSize(14).allSatisfy(ip -> assertThat(RANGES.clusterIpRange()
        .contains(Ipv4Cidr.parseAddress(ip).orElseThrow())).isTrue()).doesNotContain("10.0.0.0", "10.0.0.15");
    assertThat(nodePorts).hasSize(14).allSatisfy(p -> assertThat(p).isBetween(30000, 30013));

    assertThatThrownBy(() -> two.services().create(nodePortService("one-too-many", 0)))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED))
        .hasMessageContaining("spec.clusterIP: no free IP in the service range 10.0.0.0/28");

    // A deleted Service's IP and node port are free again, for the other server too.
    Service gone = one.services().delete("default", "svc-7");
    Service.Builder same = nodePortService("svc-7-again", gone.getSpec().getPorts(0).getNodePort()).toBuilder();
    same.getSpecBuilder().setClusterIp(gone.getSpec().getClusterIp());
    Service again = two.services().create(same.build());
    assertThat(again.getSpec().getClusterIp()).isEqualTo(gone.getSpec().getClusterIp());
    assertThat(again.getSpec().getPorts(0).getNodePort()).isEqualTo(gone.getSpec().getPorts(0).getNodePort());

    for (int i = 0; i < 14; i++) {
      one.services().delete("default", i == 7 ? "svc-7-again" : "svc-" + i);
    }
  }

  @Test
  void requestedValuesThatAreTakenOrOutOfRangeAreRefusedNamingTheField() {
    Service a = one.services().create(service("a", "10.0.0.5"));
    assertThat(a.getSpec().getClusterIp()).isEqualTo("10.0.0.5");
    assertThatThrownBy(() -> two.services().create(service("b", "10.0.0.5")))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT))
        .hasMessageContaining("Service \"b\" is invalid: spec.clusterIP: invalid value \"10.0.0.5\":"
            + " provided IP is already allocated");
    assertThatThrownBy(() -> two.services().create(service("b", "10.96.0.10")))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT))
        .hasMessageContaining("spec.clusterIP: invalid value \"10.96.0.10\": provided IP is not in the valid range."
            + " The range of valid IPs is 10.0.0.0/28");
    Service np = one.services().create(nodePortService("np", 30010));
    assertThatThrownBy(() -> two.services().create(nodePortService("np2", 30010)))
        .hasMessageContaining("spec.ports[0].nodePort: invalid value 30010: provided port is already allocated");
    assertThatThrownBy(() -> two.services().create(nodePortService("np2", 80)))
        .hasMessageContaining("spec.ports[0].nodePort: invalid value 80: provided port is not in the valid range."
            + " The range of valid ports is 30000-30013");
    // A refused create holds nothing: the IP it picked is free for the next one.
    Service headless = two.services().create(service("headless", "None"));
    assertThat(headless.getSpec().getClusterIp()).isEqualTo("None");
    one.services().delete("default", "a");
    one.services().delete("default", "np");
    one.services().delete("default", "headless");
    assertThat(two.services().create(service("b", "10.0.0.5")).getSpec().getClusterIp()).isEqualTo("10.0.0.5");
    assertThat(two.services().create(nodePortService("np2", 30010)).getSpec().getPorts(0).getNodePort())
        .isEqualTo(30010);
    two.services().delete("default", "b");
    two.services().delete("default", "np2");
  }

  @Test
  void updatesKeepTheClusterIpAndReleaseDroppedNodePorts() {
    Service np = one.services().create(nodePortService("web", 0));
    String ip = np.getSpec().getClusterIp();
    int nodePort = np.getSpec().getPorts(0).getNodePort();

    // Re-applying the manifest, which names neither, keeps both.
    Service reapplied = two.services().update(nodePortService("web", 0));
    assertThat(reapplied.getSpec().getClusterIp()).isEqualTo(ip);
    assertThat(reapplied.getSpec().getPorts(0).getNodePort()).isEqualTo(nodePort);

    Service.Builder moved = reapplied.toBuilder();
    moved.getSpecBuilder().setClusterIp(ip.equals("10.0.0.9") ? "10.0.0.10" : "10.0.0.9").clearClusterIps();
    assertThatThrownBy(() -> one.services().update(moved.build()))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT))
        .hasMessageContaining("spec.clusterIP: field is immutable");

    // A second port gets a node port of its own; turning into ClusterIP gives both back.
    Service.Builder twoPorts = reapplied.toBuilder();
    twoPorts.getSpecBuilder().setPorts(0, reapplied.getSpec().getPorts(0).toBuilder().setName("http"))
        .addPorts(ServicePort.newBuilder().setName("https").setPort(443));
    Service withTwo = one.services().update(twoPorts.build());
    int second = withTwo.getSpec().getPorts(1).getNodePort();
    assertThat(second).isBetween(30000, 30013).isNotEqualTo(nodePort);

    Service.Builder clusterIp = withTwo.toBuilder();
    clusterIp.getSpecBuilder().setType("ClusterIP");
    for (int i = 0; i < clusterIp.getSpecBuilder().getPortsCount(); i++) {
      clusterIp.getSpecBuilder().getPortsBuilder(i).setNodePort(0);
    }
    assertThat(two.services().update(clusterIp.build()).getSpec().getClusterIp()).isEqualTo(ip);
    Service takesFirst = two.services().create(nodePortService("other", nodePort));
    Service takesSecond = one.services().create(nodePortService("other2", second));
    assertThat(takesFirst.getSpec().getPorts(0).getNodePort()).isEqualTo(nodePort);
    assertThat(takesSecond.getSpec().getPorts(0).getNodePort()).isEqualTo(second);
    for (String name : List.of("web", "other", "other2")) {
      one.services().delete("default", name);
    }
  }

  private static Service service(String name, String clusterIp) {
    return Service.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(name))
        .setSpec(ServiceSpec.newBuilder().putSelector("app", name).setClusterIp(clusterIp)
            .addPorts(ServicePort.newBuilder().setPort(80)))
        .build();
  }

  private static Service nodePortService(String name, int nodePort) {
    return Service.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(name))
        .setSpec(ServiceSpec.newBuilder().setType("NodePort").putSelector("app", name)
            .addPorts(ServicePort.newBuilder().setPort(80).setNodePort(nodePort)))
        .build();
  }

  private static Status.Code code(Throwable e) {
    return e instanceof StatusRuntimeException s ? s.getStatus().getCode() : Status.Code.UNKNOWN;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
