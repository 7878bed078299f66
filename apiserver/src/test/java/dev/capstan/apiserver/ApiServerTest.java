package dev.capstan.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.apps.v1.DeploymentSpec;
import dev.capstan.api.apps.v1.Scale;
import dev.capstan.api.apps.v1.ScaleSpec;
import dev.capstan.api.core.v1.Binding;
import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.PodStatus;
import dev.capstan.api.core.v1.PodTemplateSpec;
import dev.capstan.api.core.v1.Secret;
import dev.capstan.api.meta.v1.DeleteRequest;
import dev.capstan.api.meta.v1.GetRequest;
import dev.capstan.api.meta.v1.LabelSelector;
import dev.capstan.api.meta.v1.ListRequest;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.meta.v1.ObjectReference;
import dev.capstan.api.meta.v1.Preconditions;
import dev.capstan.api.meta.v1.WatchRequest;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.Kinds;
import dev.capstan.client.ListResult;
import dev.capstan.client.WatchEvent;
import dev.capstan.client.WatchHandler;
import dev.capstan.store.local.LocalKeyValueStore;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The apiserver over gRPC, on a real in-process store, through the Java client. */
class ApiServerTest {
  private LocalKeyValueStore store;
  private ApiServer server;
  private CapstanClient client;

  @BeforeEach
  void start() {
    store = new LocalKeyValueStore();
    server = ApiServer.start(store, 0);
    client = CapstanClient.connect("127.0.0.1:" + server.port());
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
    store.close();
  }

  static Pod pod(String name, String image) {
    return Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName(name).setNamespace("default").putLabels("app", "web"))
        .setSpec(PodSpec.newBuilder().addContainers(Container.newBuilder().setName("main").setImage(image)))
        .build();
  }

  private static Status.Code code(Runnable r) {
    try {
      r.run();
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
    return Status.Code.OK;
  }

  @Test
  void systemNamespacesExistAtStartAndTheServerIsHealthy() {
    assertThat(client.namespaces().list("").items()).extracting(n -> n.getMetadata().getName())
        .contains("default", "kube-system", "kube-public", "kube-node-lease");
    assertThat(client.namespaces().get("", "default").getStatus().getPhase()).isEqualTo("Active");
    HealthCheckResponse health = HealthGrpc.newBlockingStub(client.channel())
        .check(HealthCheckRequest.getDefaultInstance());
    assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  void createFillsServerFieldsAndDefaultsAndGetReturnsIt() {
    Pod created = client.pods().create(pod("a", "busybox:1.36"));
    // a random (version 4, IETF variant) UUID, as Kubernetes gives
    assertThat(created.getMetadata().getUid()).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    assertThat(client.pods().create(pod("b", "busybox:1.36")).getMetadata().getUid())
        .isNotEqualTo(created.getMetadata().getUid());
    assertThat(created.getMetadata().getResourceVersion()).isNotEmpty();
    assertThat(created.getMetadata().hasCreationTimestamp()).isTrue();
    assertThat(created.getMetadata().getGeneration()).isEqualTo(1);
    assertThat(created.getApiVersion()).isEqualTo("v1");
    assertThat(created.getKind()).isEqualTo("Pod");
    assertThat(created.getSpec().getRestartPolicy()).isEqualTo("Always");
    assertThat(created.getStatus().getPhase()).isEqualTo("Pending");
    assertThat(client.pods().get("default", "a")).isEqualTo(created);
    assertThat(code(() -> client.pods().create(pod("a", "x")))).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(code(() -> client.pods().get("default", "nope"))).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void generateNameMakesUniqueNames() {
    Pod template = pod("", "busybox").toBuilder()
        .setMetadata(ObjectMeta.newBuilder().setGenerateName("web-").setNamespace("default")).build();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      names.add(client.pods().create(template).getMetadata().getName());
    }
    assertThat(names).hasSize(20).allMatch(n -> n.matches("web-[bcdfghjklmnpqrstvwxz2456789]{5}"));
  }

  @Test
  void invalidObjectsAreRejectedWithTheFieldPathAndNotStored() {
    StatusRuntimeException e = (StatusRuntimeException) catchThrowable(() -> client.pods().create(pod("b", "")));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).contains("spec.containers[0].image");
    assertThat(code(() -> client.pods().get("default", "b"))).isEqualTo(Status.Code.NOT_FOUND);

    Deployment negative = deployment("d", -1);
    e = (StatusRuntimeException) catchThrowable(() -> client.deployments().create(negative));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).contains("spec.replicas");
  }

  @Test
  void createInAMissingNamespaceIsNotFound() {
    Pod p = pod("c", "busybox").toBuilder().setMetadata(ObjectMeta.newBuilder().setName("c").setNamespace("nowhere"))
        .build();
    StatusRuntimeException e = (StatusRuntimeException) catchThrowable(() -> client.pods().create(p));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(e.getStatus().getDescription()).contains("namespaces \"nowhere\" not found");
  }

  @Test
  void updateWithAStaleResourceVersionIsAborted() {
    ConfigMap cm = client.configMaps().create(ConfigMap.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("cfg").setNamespace("default")).putData("k", "1").build());
    ConfigMap v2 = client.configMaps().update(cm.toBuilder().putData("k", "2").build());
    assertThat(Long.parseLong(v2.getMetadata().getResourceVersion()))
        .isGreaterThan(Long.parseLong(cm.getMetadata().getResourceVersion()));
    StatusRuntimeException e = (StatusRuntimeException) catchThrowable(() ->
        client.configMaps().update(cm.toBuilder().putData("k", "3").build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ABORTED);
    assertThat(e.getStatus().getDescription()).contains("the object has been modified");
    assertThat(client.configMaps().get("default", "cfg").getDataMap()).containsEntry("k", "2");
  }

  @Test
  void aSecretIsServedWithStringDataMergedIntoDataAndBadKeysNamed() {
    Secret created = client.secrets().create(Secret.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("db").setNamespace("default"))
        .putData("user", ByteString.copyFromUtf8("admin")).putStringData("password", "s3cret").build());
    assertThat(created.getStringDataMap()).isEmpty();
    assertThat(created.getType()).isEqualTo("Opaque");
    Secret read = client.secrets().get("default", "db");
    assertThat(read.getDataMap()).containsOnly(Map.entry("user", ByteString.copyFromUtf8("admin")),
        Map.entry("password", ByteString.copyFromUtf8("s3cret")));
    assertThat(client.secrets().list("default").items()).extracting(s -> s.getMetadata().getName()).contains("db");

    StatusRuntimeException e = (StatusRuntimeException) catchThrowable(() -> client.secrets().create(Secret.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("bad").setNamespace("default"))
        .putStringData("no/slash", "x").build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).contains("data: invalid value \"no/slash\"");
  }

  @Test
  void updateKeepsStatusAndUpdateStatusKeepsSpecAndGenerationCountsSpecChanges() {
    Deployment d = client.deployments().create(deployment("web", 2));
    assertThat(d.getMetadata().getGeneration()).isEqualTo(1);
    Deployment withStatus = client.deployments().updateStatus(d.toBuilder()
        .setStatus(d.getStatus().toBuilder().setReplicas(2).setObservedGeneration(1))
        .setSpec(d.getSpec().toBuilder().setReplicas(9)).build());
    assertThat(withStatus.getStatus().getReplicas()).isEqualTo(2);
    assertThat(withStatus.getSpec().getReplicas()).isEqualTo(2);
    assertThat(withStatus.getMetadata().getGeneration()).isEqualTo(1);

    Deployment scaled = client.deployments().update(withStatus.toBuilder()
        .setSpec(withStatus.getSpec().toBuilder().setReplicas(3)).clearStatus().build());
    assertThat(scaled.getSpec().getReplicas()).isEqualTo(3);
    assertThat(scaled.getStatus().getReplicas()).isEqualTo(2);
    assertThat(scaled.getMetadata().getGeneration()).isEqualTo(2);

    Deployment labelled = client.deployments().update(scaled.toBuilder()
        .setMetadata(scaled.getMetadata().toBuilder().putLabels("tier", "front")).build());
    assertThat(labelled.getMetadata().getGeneration()).isEqualTo(2);
  }

  @Test
  void scaleSubresourceReadsAndWritesReplicas() {
    client.deployments().create(deployment("web", 2));
    Scale s = client.deployments().call("GetScale", GetRequest.newBuilder().setNamespace("default").setName("web").build());
    assertThat(s.getSpec().getReplicas()).isEqualTo(2);
    assertThat(s.getStatus().getSelector()).isEqualTo("app=web");
    Scale updated = client.deployments().call("UpdateScale", s.toBuilder().setSpec(ScaleSpec.newBuilder().setReplicas(5)).build());
    assertThat(updated.getSpec().getReplicas()).isEqualTo(5);
    assertThat(client.deployments().get("default", "web").getSpec().getReplicas()).isEqualTo(5);
  }

  @Test
  void listFiltersByLabelAndFieldSelectorsAndPaginates() {
    for (int i = 0; i < 25; i++) {
      Pod p = pod("p" + String.format("%02d", i), "busybox");
      p = p.toBuilder().setMetadata(p.getMetadata().toBuilder().putLabels("parity", i % 2 == 0 ? "even" : "odd")).build();
      client.pods().create(p);
    }
    assertThat(client.pods().list(ListRequest.newBuilder().setNamespace("default")
        .setLabelSelector("parity=even").build()).items()).hasSize(13);
    assertThat(client.pods().list(ListRequest.newBuilder().setNamespace("default")
        .setLabelSelector("parity in (odd),app=web").build()).items()).hasSize(12);
    assertThat(client.pods().list(ListRequest.newBuilder().setNamespace("default")
        .setFieldSelector("metadata.name=p03").build()).items()).hasSize(1);
    assertThat(code(() -> client.pods().list(ListRequest.newBuilder().setFieldSelector("spec.bogus=1").build())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);

    List<String> seen = new java.util.ArrayList<>();
    ListResult<Pod> page = client.pods().listPage(ListRequest.newBuilder().setNamespace("default").setLimit(10).build());
    seen.addAll(page.items().stream().map(p -> p.getMetadata().getName()).toList());
    client.pods().create(pod("zz-added-during-paging", "busybox"));
    while (!page.continueToken().isEmpty()) {
      page = client.pods().listPage(ListRequest.newBuilder().setNamespace("default").setLimit(10)
          .setContinue(page.continueToken()).build());
      seen.addAll(page.items().stream().map(p -> p.getMetadata().getName()).toList());
    }
    // Every page is read at the first page's revision: exactly the 25 pods, each once.
    assertThat(seen).hasSize(25).doesNotHaveDuplicates().doesNotContain("zz-added-during-paging");
  }

  @Test
  void watchDeliversEventsInOrderAndResumesFromAResourceVersion() {
    String rv = client.pods().list("default").resourceVersion();
    List<WatchEvent<Pod>> events = new CopyOnWriteArrayList<>();
    AutoCloseable w = client.pods().watch(WatchRequest.newBuilder().setNamespace("default").setResourceVersion(rv).build(),
        collect(events, new AtomicReference<>()));
    // A second watcher gets the same events (each encoded once for both): the same objects.
    List<WatchEvent<Pod>> alsoSeen = new CopyOnWriteArrayList<>();
    AutoCloseable also = client.pods().watch(WatchRequest.newBuilder().setNamespace("default").setResourceVersion(rv)
        .build(), collect(alsoSeen, new AtomicReference<>()));
    Pod a = client.pods().create(pod("w1", "busybox"));
    Pod labelled = client.pods().update(a.toBuilder().setMetadata(a.getMetadata().toBuilder().putLabels("x", "y")).build());
    client.pods().delete("default", "w1");
    await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 3 && alsoSeen.size() == 3);
    assertThat(events).extracting(WatchEvent::type).containsExactly("ADDED", "MODIFIED", "DELETED");
    assertThat(events.get(0).object()).isEqualTo(a);
    assertThat(events.get(1).object()).isEqualTo(labelled);
    assertThat(alsoSeen).isEqualTo(events);
    close(w);
    close(also);

    // Resume after the first event: the rest is replayed from the window.
    String afterAdd = events.get(0).object().getMetadata().getResourceVersion();
    List<WatchEvent<Pod>> resumed = new CopyOnWriteArrayList<>();
    AutoCloseable w2 = client.pods().watch(WatchRequest.newBuilder().setNamespace("default")
        .setResourceVersion(afterAdd).build(), collect(resumed, new AtomicReference<>()));
    await().atMost(Duration.ofSeconds(5)).until(() -> resumed.size() == 2);
    assertThat(resumed).extracting(WatchEvent::type).containsExactly("MODIFIED", "DELETED");
    close(w2);
  }

  @Test
  void watchWithoutResourceVersionStartsWithCurrentObjectsAndSelectorsApply() {
    client.pods().create(pod("s1", "busybox"));
    List<WatchEvent<Pod>> events = new CopyOnWriteArrayList<>();
    AutoCloseable w = client.pods().watch(WatchRequest.newBuilder().setNamespace("default")
        .setLabelSelector("role=db").build(), collect(events, new AtomicReference<>()));
    // The call returns before the server has the watch: changes made before that would show only
    // as the state the watch starts from (or not at all), not as the events this test expects.
    await().atMost(Duration.ofSeconds(5)).until(() -> server.watcherCount(Kinds.POD) >= 1);
    Pod other = client.pods().create(pod("s2", "busybox"));
    // s2 enters the selection by a label change, then leaves it.
    Pod db = client.pods().update(other.toBuilder().setMetadata(other.getMetadata().toBuilder().putLabels("role", "db")).build());
    client.pods().update(db.toBuilder().setMetadata(db.getMetadata().toBuilder().putLabels("role", "web")).build());
    await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 2);
    assertThat(events).extracting(WatchEvent::type).containsExactly("ADDED", "DELETED");
    assertThat(events).extracting(e -> e.object().getMetadata().getName()).containsOnly("s2");
    close(w);
  }

  @Test
  void aWatchFromBeforeTheWindowIsOutOfRange() {
    server.close();
    server = ApiServer.start(store, ApiServer.Config.defaults().withBindAddress("127.0.0.1").withPort(0)
        .withWatchWindow(5));
    client.close();
    client = CapstanClient.connect("127.0.0.1:" + server.port());
    String rv = client.pods().list("default").resourceVersion();
    for (int i = 0; i < 10; i++) {
      client.pods().create(pod("o" + i, "busybox"));
    }
    // Until its watch cache has the last create, the window may still reach back to rv (a flake
    // under load): a watch without a resourceVersion starts with the cache's objects.
    List<WatchEvent<Pod>> cached = new CopyOnWriteArrayList<>();
    AutoCloseable current = client.pods().watch(WatchRequest.newBuilder().build(), collect(cached, new AtomicReference<>()));
    await().atMost(Duration.ofSeconds(5))
        .until(() -> cached.stream().anyMatch(e -> e.object().getMetadata().getName().equals("o9")));
    close(current);
    AtomicReference<Throwable> closed = new AtomicReference<>();
    client.pods().watch(WatchRequest.newBuilder().setResourceVersion(rv).build(), collect(new CopyOnWriteArrayList<>(), closed));
    await().atMost(Duration.ofSeconds(5)).until(() -> closed.get() != null);
    assertThat(Status.fromThrowable(closed.get()).getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
  }

  @Test
  void aContinueTokenOrResourceVersionOlderThanTheKeptHistoryIsOutOfRangeNamingTheParameter() {
    for (int i = 0; i < 3; i++) {
      client.pods().create(pod("page" + i, "busybox"));
    }
    var first = client.pods().listPage(ListRequest.newBuilder().setNamespace("default").setLimit(1).build());
    client.pods().create(pod("later", "busybox"));
    long now = Long.parseLong(client.pods().list("default").resourceVersion());
    store.compact(dev.capstan.etcd.etcdserverpb.CompactionRequest.newBuilder().setRevision(now).build()).join();

    assertThatThrownBy(() -> client.pods().listPage(ListRequest.newBuilder().setNamespace("default").setLimit(1)
        .setContinue(first.continueToken()).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
          assertThat(e.getStatus().getDescription()).startsWith("continue: the token lists pods as of resourceVersion "
              + first.resourceVersion()).endsWith("start the list again without continue");
        });
    assertThatThrownBy(() -> client.pods().listPage(ListRequest.newBuilder().setNamespace("default")
        .setResourceVersion(first.resourceVersion()).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
          assertThat(e.getStatus().getDescription()).startsWith("resourceVersion: " + first.resourceVersion()
              + " is too old");
        });
  }

  @Test
  void aGetCarriesKubernetesResourceVersionSemanticsOverGrpc() {
    Pod created = client.pods().create(pod("cached", "busybox"));
    String rv = created.getMetadata().getResourceVersion();
    // Over gRPC the request's resourceVersion reaches the server (which copy answers is
    // CachedListerTest's: there the store's feed to the cache can be held back).
    assertThat(client.pods().get("default", "cached", rv)).isEqualTo(created);
    assertThat(client.pods().get("default", "cached", "0")).isEqualTo(created);
    assertThat(client.pods().get("default", "cached", "")).isEqualTo(created);
    assertThatThrownBy(() -> client.pods().get("default", "cached", "yesterday"))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).startsWith("resourceVersion: Invalid value: \"yesterday\"");
        });
    assertThat(code(() -> client.pods().get("default", "absent", "0"))).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void podsBoundToANodeAreDeletedGracefullyAndOthersAtOnce() {
    client.pods().create(pod("unbound", "busybox"));
    client.pods().delete("default", "unbound");
    assertThat(code(() -> client.pods().get("default", "unbound"))).isEqualTo(Status.Code.NOT_FOUND);

    client.pods().create(pod("bound", "busybox"));
    Pod bound = client.pods().call("Bind", Binding.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("bound").setNamespace("default"))
        .setTarget(ObjectReference.newBuilder().setKind("Node").setName("n1")).build());
    assertThat(bound.getSpec().getNodeName()).isEqualTo("n1");
    assertThat(bound.getStatus().getConditionsList()).anyMatch(c -> c.getType().equals("PodScheduled")
        && c.getStatus().equals("True"));
    assertThat(code(() -> client.pods().call("Bind", Binding.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("bound").setNamespace("default"))
        .setTarget(ObjectReference.newBuilder().setKind("Node").setName("n2")).build())))
        .isEqualTo(Status.Code.ABORTED);

    Pod terminating = client.pods().delete("default", "bound");
    assertThat(terminating.getMetadata().hasDeletionTimestamp()).isTrue();
    assertThat(terminating.getMetadata().getDeletionGracePeriodSeconds()).isEqualTo(30);
    assertThat(client.pods().get("default", "bound").getMetadata().hasDeletionTimestamp()).isTrue();

    // The agent confirms with grace 0; a wrong uid precondition is refused first.
    assertThat(code(() -> client.pods().delete(DeleteRequest.newBuilder().setNamespace("default").setName("bound")
        .setGracePeriodSeconds(0).setPreconditions(Preconditions.newBuilder().setUid("other")).build())))
        .isEqualTo(Status.Code.ABORTED);
    client.pods().delete(DeleteRequest.newBuilder().setNamespace("default").setName("bound").setGracePeriodSeconds(0)
        .setPreconditions(Preconditions.newBuilder().setUid(bound.getMetadata().getUid())).build());
    assertThat(code(() -> client.pods().get("default", "bound"))).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void podStatusUpdatesDoNotTouchTheSpec() {
    Pod p = client.pods().create(pod("st", "busybox"));
    Pod running = client.pods().updateStatus(p.toBuilder().setStatus(PodStatus.newBuilder().setPhase("Running")
        .setPodIp("10.0.0.5")).build());
    assertThat(running.getStatus().getPhase()).isEqualTo("Running");
    assertThat(running.getSpec()).isEqualTo(p.getSpec());
  }

  static Deployment deployment(String name, int replicas) {
    return Deployment.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName(name).setNamespace("default"))
        .setSpec(DeploymentSpec.newBuilder().setReplicas(replicas)
            .setSelector(LabelSelector.newBuilder().putMatchLabels("app", "web"))
            .setTemplate(PodTemplateSpec.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().putLabels("app", "web"))
                .setSpec(PodSpec.newBuilder().addContainers(Container.newBuilder().setName("main").setImage("busybox")))))
        .build();
  }

  private static <T> WatchHandler<T> collect(List<WatchEvent<T>> events, AtomicReference<Throwable> closed) {
    return new WatchHandler<>() {
      @Override
      public void onEvent(WatchEvent<T> event) {
        if (!event.type().equals(WatchEvent.BOOKMARK)) {
          events.add(event);
        }
      }

      @Override
      public void onClose(Throwable error) {
        closed.set(error == null ? new IllegalStateException("closed") : error);
      }
    };
  }

  private static Throwable catchThrowable(Runnable r) {
    try {
      r.run();
    } catch (Throwable t) {
      return t;
    }
    throw new AssertionError("expected an exception");
  }

  private static void close(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
