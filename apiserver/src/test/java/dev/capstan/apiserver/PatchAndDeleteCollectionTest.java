package dev.capstan.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.apps.v1.DeploymentSpec;
import dev.capstan.api.apps.v1.DeploymentStatus;
import dev.capstan.api.apps.v1.ReplicaSet;
import dev.capstan.api.apps.v1.ReplicaSetSpec;
import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.PodStatus;
import dev.capstan.api.core.v1.PodTemplateSpec;
import dev.capstan.api.meta.v1.DeleteCollectionRequest;
import dev.capstan.api.meta.v1.DeleteRequest;
import dev.capstan.api.meta.v1.LabelSelector;
import dev.capstan.api.meta.v1.ListRequest;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.meta.v1.OwnerReference;
import dev.capstan.api.meta.v1.PatchRequest;
import dev.capstan.api.meta.v1.Preconditions;
import dev.capstan.api.meta.v1.WatchRequest;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.WatchEvent;
import dev.capstan.client.WatchHandler;
import dev.capstan.store.local.LocalKeyValueStore;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Patch (JSON merge patch), DeleteCollection, field selectors and delete options, over gRPC on a
 * real in-process store through the Java client.
 */
class PatchAndDeleteCollectionTest {
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

  private static StatusRuntimeException failure(Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      return e;
    }
    throw new AssertionError("the call succeeded");
  }

  private static ConfigMap configMap(String name, Map<String, String> labels, Map<String, String> data) {
    return ConfigMap.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(name).putAllLabels(labels))
        .putAllData(data).build();
  }

  private static Deployment deployment(String name) {
    LabelSelector selector = LabelSelector.newBuilder().putMatchLabels("app", name).build();
    return Deployment.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(name))
        .setSpec(DeploymentSpec.newBuilder().setReplicas(2).setSelector(selector)
            .setTemplate(PodTemplateSpec.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().putLabels("app", name))
                .setSpec(PodSpec.newBuilder()
                    .addContainers(Container.newBuilder().setName("app").setImage("nginx:1.27"))
                    .addContainers(Container.newBuilder().setName("sidecar").setImage("busybox")))))
        .build();
  }

  private static Pod pod(String name, String node, Map<String, String> labels) {
    return Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(name).putAllLabels(labels))
        .setSpec(PodSpec.newBuilder().setNodeName(node)
            .addContainers(Container.newBuilder().setName("main").setImage("busybox")))
        .build();
  }

  private static List<String> names(List<? extends com.google.protobuf.Message> objects) {
    List<String> names = new ArrayList<>();
    for (var o : objects) {
      names.add(((ObjectMeta) o.getField(o.getDescriptorForType().findFieldByName("metadata"))).getName());
    }
    return names.stream().sorted().toList();
  }

  // ---------------------------------------------------------------- patch

  @Test
  void mergePatchNullRemovesAFieldAndNestedMapsMerge() {
    ConfigMap created = client.configMaps().create(configMap("settings", Map.of("app", "web", "tier", "db"),
        Map.of("a", "1", "b", "2")));

    ConfigMap patched = client.configMaps().patch("default", "settings", """
        {"metadata": {"labels": {"tier": null, "env": "prod"}}, "data": {"b": null, "c": "3"}}""");

    assertThat(patched.getMetadata().getLabelsMap()).isEqualTo(Map.of("app", "web", "env", "prod"));
    assertThat(patched.getDataMap()).isEqualTo(Map.of("a", "1", "c", "3"));
    assertThat(patched.getMetadata().getUid()).isEqualTo(created.getMetadata().getUid());
    assertThat(Long.parseLong(patched.getMetadata().getResourceVersion()))
        .isGreaterThan(Long.parseLong(created.getMetadata().getResourceVersion()));
    assertThat(client.configMaps().get("default", "settings")).isEqualTo(patched);
  }

  @Test
  void mergePatchReplacesListsCountsSpecChangesAndLeavesStatusToUpdateStatus() {
    Deployment created = client.deployments().create(deployment("web"));
    assertThat(created.getMetadata().getGeneration()).isEqualTo(1);

    Deployment patched = client.deployments().patch("default", "web", """
        {"spec": {"replicas": 5,
                  "template": {"spec": {"containers": [{"name": "app", "image": "nginx:1.28"}]}}}}""");

    assertThat(patched.getSpec().getReplicas()).isEqualTo(5);
    assertThat(patched.getSpec().getTemplate().getSpec().getContainersList())
        .extracting(Container::getName, Container::getImage).containsExactly(org.assertj.core.groups.Tuple.tuple(
            "app", "nginx:1.28"));
    assertThat(patched.getSpec().getTemplate().getMetadata().getLabelsMap()).containsEntry("app", "web");
    assertThat(patched.getMetadata().getGeneration()).isEqualTo(2);

    Deployment statusOnly = client.deployments().patch("default", "web", "{\"status\": {\"replicas\": 9}}");
    assertThat(statusOnly.getStatus()).isEqualTo(DeploymentStatus.getDefaultInstance());
    assertThat(statusOnly.getMetadata().getGeneration()).isEqualTo(2);
    assertThat(statusOnly.getMetadata().getResourceVersion()).isEqualTo(patched.getMetadata().getResourceVersion());
  }

  @Test
  void aResourceVersionInThePatchIsAPrecondition() {
    ConfigMap created = client.configMaps().create(configMap("cm", Map.of(), Map.of("k", "v1")));
    client.configMaps().patch("default", "cm", "{\"data\": {\"k\": \"v2\"}}");

    StatusRuntimeException stale = failure(() -> client.configMaps().patch("default", "cm",
        "{\"metadata\": {\"resourceVersion\": \"" + created.getMetadata().getResourceVersion()
            + "\"}, \"data\": {\"k\": \"v3\"}}"));
    assertThat(stale.getStatus().getCode()).isEqualTo(Status.Code.ABORTED);
    assertThat(stale.getStatus().getDescription())
        .isEqualTo("Operation cannot be fulfilled on configmaps \"cm\": the object has been modified;"
            + " please apply your changes to the latest version and try again");
    assertThat(client.configMaps().get("default", "cm").getDataMap()).containsEntry("k", "v2");

    String current = client.configMaps().get("default", "cm").getMetadata().getResourceVersion();
    ConfigMap applied = client.configMaps().patch("default", "cm",
        "{\"metadata\": {\"resourceVersion\": \"" + current + "\"}, \"data\": {\"k\": \"v3\"}}");
    assertThat(applied.getDataMap()).containsEntry("k", "v3");
  }

  @Test
  void patchingAwayTheLastFinalizerOfAnObjectBeingDeletedRemovesIt() {
    client.configMaps().create(configMap("held", Map.of(), Map.of()).toBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName("held")
            .addFinalizers("example.com/cleanup")).build());
    ConfigMap marked = client.configMaps().delete("default", "held");
    assertThat(marked.getMetadata().hasDeletionTimestamp()).isTrue();

    StatusRuntimeException adding = failure(() -> client.configMaps().patch("default", "held",
        "{\"metadata\": {\"finalizers\": [\"example.com/cleanup\", \"example.com/other\"]}}"));
    assertThat(adding.getStatus().getDescription()).contains("metadata.finalizers: Forbidden");

    client.configMaps().patch("default", "held", "{\"metadata\": {\"finalizers\": null}}");
    assertThat(failure(() -> client.configMaps().get("default", "held")).getStatus().getCode())
        .isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void concurrentPatchesWithoutAResourceVersionAreAllApplied() throws Exception {
    client.configMaps().create(configMap("shared", Map.of(), Map.of()));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int writer = t;
        done.add(pool.submit(() -> {
          for (int i = 0; i < 10; i++) {
            client.configMaps().patch("default", "shared", "{\"data\": {\"w" + writer + "-" + i + "\": \"x\"}}");
          }
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(client.configMaps().get("default", "shared").getDataMap()).hasSize(40);
  }

  @Test
  void badPatchesAreInvalidArgumentsNamingTheField() {
    client.deployments().create(deployment("web"));

    StatusRuntimeException unknown = failure(() -> client.deployments().patch("default", "web",
        "{\"spec\": {\"replicaz\": 3}}"));
    assertThat(unknown.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(unknown.getStatus().getDescription()).contains("spec.replicaz: unknown field");

    StatusRuntimeException invalid = failure(() -> client.deployments().patch("default", "web",
        "{\"spec\": {\"template\": {\"spec\": {\"containers\": [{\"name\": \"app\"}]}}}}"));
    assertThat(invalid.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(invalid.getStatus().getDescription()).startsWith("Deployment.apps \"web\" is invalid: ")
        .contains("spec.template.spec.containers[0].image");

    StatusRuntimeException type = failure(() -> client.deployments().patch(PatchRequest.newBuilder()
        .setNamespace("default").setName("web").setType("json")
        .setPatch(ByteString.copyFromUtf8("[{\"op\": \"remove\", \"path\": \"/spec\"}]")).build()));
    assertThat(type.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(type.getStatus().getDescription()).startsWith("type: Unsupported value: \"json\"");

    assertThat(failure(() -> client.deployments().patch("default", "web", "{\"spec\": ")).getStatus()
        .getDescription()).startsWith("patch: not valid JSON");
    assertThat(failure(() -> client.deployments().patch("default", "web", "[1]")).getStatus()
        .getDescription()).startsWith("patch: a merge patch must be a JSON object");
    assertThat(failure(() -> client.deployments().patch("default", "web", "{\"metadata\": {\"name\": \"other\"}}"))
        .getStatus().getDescription()).contains("metadata.name: Invalid value: \"other\"");
    assertThat(failure(() -> client.deployments().patch("default", "web", "{\"kind\": \"Pod\"}"))
        .getStatus().getDescription()).contains("kind: must be \"Deployment\"");
    assertThat(failure(() -> client.deployments().patch("default", "nope", "{}")).getStatus().getCode())
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThat(client.deployments().get("default", "web").getSpec().getReplicas()).isEqualTo(2);
  }

  // ---------------------------------------------------------------- delete collection

  @Test
  void deleteCollectionDeletesWhatTheSelectorsMatch() {
    for (String name : List.of("web-1", "web-2", "web-3")) {
      client.configMaps().create(configMap(name, Map.of("app", "web"), Map.of()));
    }
    client.configMaps().create(configMap("db-1", Map.of("app", "db"), Map.of()));
    client.configMaps().create(configMap("db-2", Map.of("app", "db"), Map.of()));

    List<ConfigMap> deleted = client.configMaps().deleteCollection(DeleteCollectionRequest.newBuilder()
        .setNamespace("default").setLabelSelector("app=web").build());

    assertThat(names(deleted)).containsExactly("web-1", "web-2", "web-3");
    assertThat(names(client.configMaps().list("default").items())).containsExactly("db-1", "db-2");

    List<ConfigMap> byField = client.configMaps().deleteCollection(DeleteCollectionRequest.newBuilder()
        .setNamespace("default").setFieldSelector("metadata.name!=db-1").build());
    assertThat(names(byField)).containsExactly("db-2");
    assertThat(names(client.configMaps().list("default").items())).containsExactly("db-1");

    assertThat(failure(() -> client.configMaps().deleteCollection(DeleteCollectionRequest.newBuilder()
        .setNamespace("default").setFieldSelector("data.x=1").build())).getStatus().getCode())
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(names(client.configMaps().list("default").items())).containsExactly("db-1");
  }

  @Test
  void deleteCollectionDeletesPodsOnNodesGracefullyAsDeleteDoes() {
    client.pods().create(pod("running", "node-1", Map.of("app", "web")));
    client.pods().create(pod("pending", "", Map.of("app", "web")));

    List<Pod> deleted = client.pods().deleteCollection(DeleteCollectionRequest.newBuilder()
        .setNamespace("default").setLabelSelector("app=web").build());

    assertThat(names(deleted)).containsExactly("pending", "running");
    Pod running = client.pods().get("default", "running");
    assertThat(running.getMetadata().hasDeletionTimestamp()).isTrue();
    assertThat(running.getMetadata().getDeletionGracePeriodSeconds()).isEqualTo(30);
    assertThat(names(client.pods().list("default").items())).containsExactly("running");
  }

  // ---------------------------------------------------------------- field selectors

  @Test
  void fieldSelectorsOnPodsTakeEqualityAndInequalityTermsAndNameTheSupportedFields() {
    client.pods().create(pod("a", "node-1", Map.of()));
    client.pods().create(pod("b", "node-2", Map.of()));
    client.pods().create(pod("c", "", Map.of()));
    Pod b = client.pods().get("default", "b");
    client.pods().updateStatus(b.toBuilder().setStatus(PodStatus.newBuilder().setPhase("Running")).build());

    assertThat(selected("spec.nodeName=node-1")).containsExactly("a");
    assertThat(selected("spec.nodeName==node-1")).containsExactly("a");
    assertThat(selected("spec.nodeName=")).containsExactly("c");
    assertThat(selected("spec.nodeName!=node-1")).containsExactly("b", "c");
    assertThat(selected("status.phase=Running")).containsExactly("b");
    assertThat(selected("status.phase!=Running,spec.nodeName!=")).containsExactly("a");
    assertThat(selected("metadata.namespace=default,metadata.name=c")).containsExactly("c");
    assertThat(selected("metadata.namespace=other")).isEmpty();

    StatusRuntimeException unsupported = failure(() -> selected("spec.hostname=x"));
    assertThat(unsupported.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(unsupported.getStatus().getDescription())
        .startsWith("fieldSelector: field label not supported for Pod: \"spec.hostname\"")
        .contains("metadata.name, metadata.namespace", "spec.nodeName", "status.phase");
    assertThat(failure(() -> selected("spec.nodeName")).getStatus().getCode())
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void watchesTakeFieldSelectorsAndRefuseUnsupportedFields() throws Exception {
    List<WatchEvent<Pod>> events = new CopyOnWriteArrayList<>();
    AtomicReference<Throwable> closed = new AtomicReference<>();
    try (AutoCloseable w = client.pods().watch(WatchRequest.newBuilder().setNamespace("default")
        .setFieldSelector("status.phase==Running,spec.nodeName!=node-2").build(), collect(events, closed))) {
      client.pods().create(pod("a", "node-1", Map.of()));
      client.pods().create(pod("b", "node-2", Map.of()));
      for (String name : List.of("a", "b")) {
        Pod p = client.pods().get("default", name);
        client.pods().updateStatus(p.toBuilder().setStatus(PodStatus.newBuilder().setPhase("Running")).build());
      }
      client.pods().create(pod("marker", "node-1", Map.of()));
      Pod marker = client.pods().get("default", "marker");
      client.pods().updateStatus(marker.toBuilder().setStatus(PodStatus.newBuilder().setPhase("Running")).build());
      // Events arrive in order: once the marker is in, whatever b caused would have come first.
      await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 2);
      assertThat(events).extracting(WatchEvent::type).containsExactly("ADDED", "ADDED");
      assertThat(events).extracting(e -> e.object().getMetadata().getName()).containsExactly("a", "marker");
    }

    AtomicReference<Throwable> refused = new AtomicReference<>();
    try (AutoCloseable w = client.pods().watch(WatchRequest.newBuilder().setFieldSelector("spec.hostname=x").build(),
        collect(new CopyOnWriteArrayList<>(), refused))) {
      await().atMost(Duration.ofSeconds(5)).until(() -> refused.get() != null);
    }
    assertThat(refused.get()).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription()).contains("\"spec.hostname\"", "spec.nodeName");
    });
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

  private List<String> selected(String fieldSelector) {
    return names(client.pods().list(ListRequest.newBuilder().setFieldSelector(fieldSelector).build()).items());
  }

  // ---------------------------------------------------------------- delete options

  @Test
  void deletePreconditionsOnUidAndResourceVersionAreConflicts() {
    ConfigMap cm = client.configMaps().create(configMap("cm", Map.of(), Map.of()));
    String uid = cm.getMetadata().getUid();
    String rv = cm.getMetadata().getResourceVersion();

    StatusRuntimeException wrongUid = failure(() -> client.configMaps().delete(DeleteRequest.newBuilder()
        .setNamespace("default").setName("cm").setPreconditions(Preconditions.newBuilder().setUid("other")).build()));
    assertThat(wrongUid.getStatus().getCode()).isEqualTo(Status.Code.ABORTED);
    assertThat(wrongUid.getStatus().getDescription()).isEqualTo("Operation cannot be fulfilled on configmaps \"cm\":"
        + " Precondition failed: UID in precondition: other, UID in object meta: " + uid);

    client.configMaps().patch("default", "cm", "{\"data\": {\"k\": \"v\"}}");
    StatusRuntimeException staleRv = failure(() -> client.configMaps().delete(DeleteRequest.newBuilder()
        .setNamespace("default").setName("cm")
        .setPreconditions(Preconditions.newBuilder().setUid(uid).setResourceVersion(rv)).build()));
    assertThat(staleRv.getStatus().getCode()).isEqualTo(Status.Code.ABORTED);
    assertThat(staleRv.getStatus().getDescription()).contains("Precondition failed: ResourceVersion in precondition: "
        + rv);
    assertThat(client.configMaps().list("default").items()).hasSize(1);

    String current = client.configMaps().get("default", "cm").getMetadata().getResourceVersion();
    client.configMaps().delete(DeleteRequest.newBuilder().setNamespace("default").setName("cm")
        .setPreconditions(Preconditions.newBuilder().setUid(uid).setResourceVersion(current)).build());
    assertThat(client.configMaps().list("default").items()).isEmpty();
  }

  @Test
  void orphanPropagationStripsTheOwnerReferenceAndKeepsTheDependents() {
    LabelSelector selector = LabelSelector.newBuilder().putMatchLabels("app", "web").build();
    ReplicaSet owner = client.replicaSets().create(ReplicaSet.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName("web-rs"))
        .setSpec(ReplicaSetSpec.newBuilder().setReplicas(1).setSelector(selector)
            .setTemplate(PodTemplateSpec.newBuilder().setMetadata(ObjectMeta.newBuilder().putLabels("app", "web"))
                .setSpec(PodSpec.newBuilder().addContainers(Container.newBuilder().setName("m").setImage("busybox")))))
        .build());
    OwnerReference toOwner = OwnerReference.newBuilder().setApiVersion("apps/v1").setKind("ReplicaSet")
        .setName("web-rs").setUid(owner.getMetadata().getUid()).setController(true).build();
    OwnerReference toOther = OwnerReference.newBuilder().setApiVersion("v1").setKind("ConfigMap")
        .setName("other").setUid("other-uid").build();
    Pod dependent = pod("web-rs-1", "", Map.of("app", "web"));
    client.pods().create(dependent.toBuilder().setMetadata(dependent.getMetadata().toBuilder()
        .addOwnerReferences(toOwner).addOwnerReferences(toOther)).build());
    client.configMaps().create(configMap("web-config", Map.of(), Map.of()).toBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName("web-config")
            .addOwnerReferences(toOwner)).build());
    client.pods().create(pod("unrelated", "", Map.of()).toBuilder().setMetadata(ObjectMeta.newBuilder()
        .setNamespace("default").setName("unrelated").addOwnerReferences(toOther)).build());

    assertThat(failure(() -> client.replicaSets().delete(DeleteRequest.newBuilder().setNamespace("default")
        .setName("web-rs").setPropagationPolicy("orphan").build())).getStatus().getDescription())
        .startsWith("propagationPolicy: Unsupported value: \"orphan\"");

    client.replicaSets().delete(DeleteRequest.newBuilder().setNamespace("default").setName("web-rs")
        .setPropagationPolicy("Orphan").build());

    assertThat(client.replicaSets().list("default").items()).isEmpty();
    assertThat(client.pods().get("default", "web-rs-1").getMetadata().getOwnerReferencesList())
        .containsExactly(toOther);
    assertThat(client.configMaps().get("default", "web-config").getMetadata().getOwnerReferencesList()).isEmpty();
    assertThat(client.pods().get("default", "unrelated").getMetadata().getOwnerReferencesList())
        .containsExactly(toOther);
  }
}
