package dev.capstan.controllers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Message;
import dev.capstan.api.apps.v1.DaemonSet;
import dev.capstan.api.apps.v1.DaemonSetSpec;
import dev.capstan.api.apps.v1.StatefulSet;
import dev.capstan.api.apps.v1.StatefulSetSpec;
import dev.capstan.api.apps.v1.VolumeClaimTemplate;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.Namespace;
import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.NodeSpec;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.PodTemplateSpec;
import dev.capstan.api.core.v1.Taint;
import dev.capstan.api.meta.v1.LabelSelector;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.meta.v1.WatchRequest;
import dev.capstan.apiserver.ApiServer;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.ListResult;
import dev.capstan.client.ResourceClient;
import dev.capstan.client.WatchEvent;
import dev.capstan.client.WatchHandler;
import dev.capstan.controllers.daemonset.DaemonPodFactory;
import dev.capstan.controllers.framework.ApiErrors;
import dev.capstan.controllers.framework.ControllerMetrics;
import dev.capstan.controllers.framework.OwnerReferences;
import dev.capstan.controllers.framework.PodState;
import dev.capstan.controllers.statefulset.StatefulPodFactory;
import dev.capstan.store.local.LocalKeyValueStore;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;

/**
 * The DaemonSet and StatefulSet controllers against a real apiserver on an in-memory store, with
 * the fake kubelet marking pods ready and finishing graceful deletes. Nodes are plain Node objects.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkloadControllersIntegrationTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  private LocalKeyValueStore store;
  private ApiServer server;
  private CapstanClient client;
  private ControllerManager manager;
  private FakeKubelet kubelet;

  @BeforeAll
  void startCluster() {
    store = new LocalKeyValueStore();
    server = ApiServer.start(store, 0);
    client = CapstanClient.connect("127.0.0.1:" + server.port());
    // The nodes here are plain objects without agents: a long grace period keeps the node lifecycle
    // controller from marking them Unknown and tainting them while the tests run.
    manager = new ControllerManager(client, Clock.systemUTC(), ControllerManager.DEFAULT_WORKERS,
        ControllerManager.DEFAULT_CACHE_SYNC_TIMEOUT, ControllerManager.DEFAULT_RESYNC_PERIOD, Duration.ofHours(1),
        ControllerMetrics.unserved());
    manager.start();
    kubelet = new FakeKubelet(client, Clock.systemUTC());
  }

  @AfterAll
  void stopCluster() {
    if (kubelet != null) {
      kubelet.close();
    }
    if (manager != null) {
      manager.close();
    }
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
    if (store != null) {
      store.close();
    }
  }

  // ---------------------------------------------------------------- DaemonSet

  @Test
  void aDaemonSetRunsOnePodOnEveryEligibleNodeAndRollsOutANewTemplate(TestInfo info) throws Exception {
    String ns = namespace(info);
    for (String n : List.of("n1", "n2", "n3")) {
      client.nodes().create(node(n));
    }
    DaemonSet ds = client.daemonSets().create(DaemonSet.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("agent").setNamespace(ns))
        .setSpec(DaemonSetSpec.newBuilder().setSelector(LabelSelector.newBuilder().putMatchLabels("app", "agent"))
            .setTemplate(template("agent", "busybox:1")))
        .build());

    awaitDaemonPodsOn(ns, "n1", "n2", "n3");
    assertThat(pods(ns)).allSatisfy(pod -> {
      assertThat(OwnerReferences.isControlledBy(pod.getMetadata(), ds.getMetadata())).isTrue();
      assertThat(pod.getMetadata().getName()).startsWith("agent-");
      assertThat(pod.getSpec().getTolerationsList()).anySatisfy(t ->
          assertThat(t.getKey()).isEqualTo("node.kubernetes.io/unreachable"));
    });

    client.nodes().create(node("n4"));
    awaitDaemonPodsOn(ns, "n1", "n2", "n3", "n4");

    // NoExecute evicts the daemon; a NoSchedule node never gets one. n6 getting its pod shows the
    // controller has seen n5 (the node watch is ordered) and decided against it.
    update(client.nodes(), "", "n2", n -> n.toBuilder().setSpec(NodeSpec.newBuilder().addTaints(
        Taint.newBuilder().setKey("maintenance").setEffect("NoExecute"))).build());
    client.nodes().create(node("n5").toBuilder().setSpec(NodeSpec.newBuilder().addTaints(
        Taint.newBuilder().setKey("dedicated").setValue("db").setEffect("NoSchedule"))).build());
    client.nodes().create(node("n6"));
    awaitDaemonPodsOn(ns, "n1", "n3", "n4", "n6");
    await().atMost(TIMEOUT).untilAsserted(() -> {
      var status = client.daemonSets().get(ns, "agent").getStatus();
      assertThat(status.getDesiredNumberScheduled()).isEqualTo(4);
      assertThat(status.getCurrentNumberScheduled()).isEqualTo(4);
      assertThat(status.getNumberReady()).isEqualTo(4);
      assertThat(status.getNumberAvailable()).isEqualTo(4);
      assertThat(status.getUpdatedNumberScheduled()).isEqualTo(4);
      assertThat(status.getNumberMisscheduled()).isZero();
    });

    String oldRevision = pods(ns).get(0).getMetadata().getLabelsOrThrow(DaemonPodFactory.REVISION_LABEL);
    try (PodHistory history = new PodHistory(ns, "n1", "n3", "n4", "n6")) {
      update(client.daemonSets(), ns, "agent", d -> {
        DaemonSet.Builder b = d.toBuilder();
        b.getSpecBuilder().getTemplateBuilder().getSpecBuilder().getContainersBuilder(0).setImage("busybox:2");
        return b.build();
      });
      await().atMost(TIMEOUT).untilAsserted(() -> {
        List<Pod> pods = pods(ns);
        assertThat(pods).hasSize(4).allSatisfy(p -> {
          assertThat(p.getSpec().getContainers(0).getImage()).isEqualTo("busybox:2");
          assertThat(p.getMetadata().getLabelsOrThrow(DaemonPodFactory.REVISION_LABEL)).isNotEqualTo(oldRevision);
          assertThat(PodState.isReady(p)).isTrue();
        });
        assertThat(client.daemonSets().get(ns, "agent").getStatus().getUpdatedNumberScheduled()).isEqualTo(4);
      });
      assertThat(history.maxNodesWithoutReadyPod()).as("maxUnavailable 1: one node at a time").isEqualTo(1);
    }
  }

  // ---------------------------------------------------------------- StatefulSet

  @Test
  void aStatefulSetComesUpInOrderScalesDownFromTheTopAndUpdatesFromTheTop(TestInfo info) throws Exception {
    String ns = namespace(info);
    try (PodHistory history = new PodHistory(ns)) {
      client.statefulSets().create(StatefulSet.newBuilder()
          .setMetadata(ObjectMeta.newBuilder().setName("web").setNamespace(ns))
          .setSpec(StatefulSetSpec.newBuilder().setReplicas(3).setServiceName("web")
              .setSelector(LabelSelector.newBuilder().putMatchLabels("app", "web"))
              .setTemplate(template("web", "nginx:1")))
          .build());
      awaitStatefulPods(ns, "web-0", "web-1", "web-2");

      assertThat(history.firstAdded()).containsExactly("web-0", "web-1", "web-2");
      for (int i = 1; i < 3; i++) {
        assertThat(history.indexOf("ADDED", "web-" + i)).as("web-%d created after web-%d was Ready", i, i - 1)
            .isGreaterThan(history.indexOf("READY", "web-" + (i - 1)));
      }
      Pod web1 = client.pods().get(ns, "web-1");
      assertThat(web1.getSpec().getHostname()).isEqualTo("web-1");
      assertThat(web1.getSpec().getSubdomain()).isEqualTo("web");
      assertThat(web1.getMetadata().getLabelsMap()).containsEntry(StatefulPodFactory.POD_NAME_LABEL, "web-1");
      StatefulSet set = client.statefulSets().get(ns, "web");
      assertThat(set.getStatus().getReplicas()).isEqualTo(3);
      assertThat(set.getStatus().getCurrentRevision()).isEqualTo(set.getStatus().getUpdateRevision());

      update(client.statefulSets(), ns, "web", s -> s.toBuilder().setSpec(s.getSpec().toBuilder().setReplicas(1)).build());
      awaitStatefulPods(ns, "web-0");
      assertThat(history.indexOf("DELETED", "web-1")).as("web-1 goes only after web-2 is gone")
          .isGreaterThan(history.indexOf("DELETED", "web-2"));

      update(client.statefulSets(), ns, "web", s -> s.toBuilder().setSpec(s.getSpec().toBuilder().setReplicas(3)).build());
      awaitStatefulPods(ns, "web-0", "web-1", "web-2");
      int beforeUpdate = history.size();
      update(client.statefulSets(), ns, "web", s -> {
        StatefulSet.Builder b = s.toBuilder();
        b.getSpecBuilder().getTemplateBuilder().getSpecBuilder().getContainersBuilder(0).setImage("nginx:2");
        return b.build();
      });
      await().atMost(TIMEOUT).untilAsserted(() -> {
        StatefulSet cur = client.statefulSets().get(ns, "web");
        assertThat(cur.getStatus().getUpdatedReplicas()).isEqualTo(3);
        assertThat(cur.getStatus().getReadyReplicas()).isEqualTo(3);
        assertThat(cur.getStatus().getCurrentRevision()).isEqualTo(cur.getStatus().getUpdateRevision());
        assertThat(pods(ns)).allSatisfy(p -> assertThat(p.getSpec().getContainers(0).getImage()).isEqualTo("nginx:2"));
      });
      assertThat(history.deletedSince(beforeUpdate)).containsExactly("web-2", "web-1", "web-0");
    }
  }

  @Test
  void volumeClaimTemplatesAreRefusedNamingTheField(TestInfo info) {
    String ns = namespace(info);
    StatefulSet withClaims = StatefulSet.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("db").setNamespace(ns))
        .setSpec(StatefulSetSpec.newBuilder().setReplicas(1)
            .setSelector(LabelSelector.newBuilder().putMatchLabels("app", "db"))
            .setTemplate(template("db", "postgres"))
            .addVolumeClaimTemplates(VolumeClaimTemplate.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("data"))))
        .build();
    assertThatThrownBy(() -> client.statefulSets().create(withClaims))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains("spec.volumeClaimTemplates: not supported");
        });
  }

  // ---------------------------------------------------------------- helpers

  /**
   * Every ADDED, first-ready and DELETED event of a namespace's pods, in watch order, and the most
   * nodes (of those given) that were at once without a ready pod that is not terminating.
   */
  private final class PodHistory implements AutoCloseable {
    private final List<String> events = new ArrayList<>();
    private final Set<String> ready = new HashSet<>();
    private final Map<String, Pod> current = new HashMap<>();
    private final Set<String> nodes;
    private int maxNodesWithoutReadyPod;
    private final AutoCloseable watch;

    PodHistory(String namespace, String... nodes) {
      this.nodes = Set.of(nodes);
      ListResult<Pod> initial = client.pods().list(namespace);
      initial.items().forEach(p -> current.put(p.getMetadata().getName(), p));
      watch = client.pods().watch(WatchRequest.newBuilder().setNamespace(namespace)
          .setResourceVersion(initial.resourceVersion()).build(), new WatchHandler<>() {
            @Override
            public void onEvent(WatchEvent<Pod> event) {
              synchronized (events) {
                record(event);
              }
            }

            @Override
            public void onClose(Throwable error) {
            }
          });
    }

    private void record(WatchEvent<Pod> event) {
      Pod pod = event.object();
      String name = pod.getMetadata().getName();
      switch (event.type()) {
        case WatchEvent.ADDED -> events.add("ADDED " + name);
        case WatchEvent.DELETED -> {
          events.add("DELETED " + name);
          ready.remove(name);
          current.remove(name);
        }
        default -> { }
      }
      if (!event.type().equals(WatchEvent.DELETED)) {
        current.put(name, pod);
        if (PodState.isReady(pod) && ready.add(name)) {
          events.add("READY " + name);
        }
      }
      Set<String> served = current.values().stream().filter(p -> PodState.isActive(p) && PodState.isReady(p))
          .map(p -> p.getSpec().getNodeName()).collect(Collectors.toSet());
      int without = (int) nodes.stream().filter(n -> !served.contains(n)).count();
      maxNodesWithoutReadyPod = Math.max(maxNodesWithoutReadyPod, without);
    }

    int maxNodesWithoutReadyPod() {
      synchronized (events) {
        return maxNodesWithoutReadyPod;
      }
    }

    int size() {
      synchronized (events) {
        return events.size();
      }
    }

    int indexOf(String type, String name) {
      synchronized (events) {
        int i = events.indexOf(type + " " + name);
        assertThat(i).as("%s %s in %s", type, name, events).isNotNegative();
        return i;
      }
    }

    List<String> firstAdded() {
      synchronized (events) {
        return events.stream().filter(e -> e.startsWith("ADDED ")).map(e -> e.substring(6)).distinct().toList();
      }
    }

    List<String> deletedSince(int index) {
      synchronized (events) {
        return events.subList(index, events.size()).stream().filter(e -> e.startsWith("DELETED "))
            .map(e -> e.substring(8)).toList();
      }
    }

    @Override
    public void close() throws Exception {
      watch.close();
    }
  }

  private void awaitDaemonPodsOn(String ns, String... nodes) {
    await().atMost(TIMEOUT).untilAsserted(() -> {
      List<Pod> pods = pods(ns);
      Map<String, Long> perNode = pods.stream()
          .collect(Collectors.groupingBy(p -> p.getSpec().getNodeName(), TreeMap::new, Collectors.counting()));
      assertThat(perNode.keySet()).containsExactly(nodes);
      assertThat(perNode.values()).allMatch(count -> count == 1);
      assertThat(pods).allMatch(PodState::isReady);
    });
  }

  private void awaitStatefulPods(String ns, String... names) {
    await().atMost(TIMEOUT).untilAsserted(() -> {
      assertThat(pods(ns)).extracting(p -> p.getMetadata().getName()).containsExactly(names);
      assertThat(pods(ns)).allMatch(PodState::isReady);
      StatefulSet set = client.statefulSets().get(ns, "web");
      assertThat(set.getStatus().getReadyReplicas()).isEqualTo(names.length);
      assertThat(set.getStatus().getObservedGeneration()).isEqualTo(set.getMetadata().getGeneration());
    });
  }

  private List<Pod> pods(String ns) {
    return client.pods().list(ns).items();
  }

  private static Node node(String name) {
    return Node.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name)).build();
  }

  private <T extends Message> void update(ResourceClient<T> resource, String ns, String name, UnaryOperator<T> change) {
    await().atMost(TIMEOUT).until(() -> retryOnConflict(() -> resource.update(change.apply(resource.get(ns, name)))));
  }

  private static boolean retryOnConflict(Runnable write) {
    try {
      write.run();
      return true;
    } catch (RuntimeException e) {
      if (ApiErrors.isConflict(e)) {
        return false;
      }
      throw e;
    }
  }

  private String namespace(TestInfo info) {
    String name = info.getTestMethod().orElseThrow().getName().replaceAll("([A-Z])", "-$1").toLowerCase();
    name = name.length() > 50 ? name.substring(0, 50) : name;
    name = name.replaceAll("-+$", "");
    client.namespaces().create(Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name)).build());
    return name;
  }

  private static PodTemplateSpec template(String app, String image) {
    return PodTemplateSpec.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().putLabels("app", app))
        .setSpec(PodSpec.newBuilder().addContainers(Container.newBuilder().setName("main").setImage(image)))
        .build();
  }
}
