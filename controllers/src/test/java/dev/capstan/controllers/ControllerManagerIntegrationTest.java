package dev.capstan.controllers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.apps.v1.DeploymentSpec;
import dev.capstan.api.apps.v1.DeploymentStrategy;
import dev.capstan.api.apps.v1.ReplicaSet;
import dev.capstan.api.apps.v1.RollingUpdateDeployment;
import dev.capstan.api.batch.v1.Job;
import dev.capstan.api.batch.v1.JobSpec;
import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.Namespace;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.PodTemplateSpec;
import dev.capstan.api.meta.v1.DeleteRequest;
import dev.capstan.api.meta.v1.LabelSelector;
import dev.capstan.api.meta.v1.ListRequest;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.meta.v1.OwnerReference;
import dev.capstan.api.meta.v1.WatchRequest;
import dev.capstan.apiserver.ApiServer;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.metrics.MetricSamples;
import dev.capstan.client.ListResult;
import dev.capstan.client.WatchEvent;
import dev.capstan.client.WatchHandler;
import dev.capstan.controllers.deployment.DeploymentConditions;
import dev.capstan.controllers.framework.ApiErrors;
import dev.capstan.controllers.framework.ControllerMetrics;
import dev.capstan.controllers.framework.OwnerReferences;
import dev.capstan.controllers.framework.PodState;
import dev.capstan.controllers.framework.ProtoTime;
import dev.capstan.controllers.job.JobConditions;
import dev.capstan.store.local.LocalKeyValueStore;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;

/**
 * The controllers against a real apiserver on an in-memory store, with a fake kubelet that marks
 * pods ready. Each test works in its own namespace.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ControllerManagerIntegrationTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  private LocalKeyValueStore store;
  private ApiServer server;
  private CapstanClient client;
  private ControllerManager manager;
  private FakeKubelet kubelet;
  private final PrometheusRegistry registry = new PrometheusRegistry();

  @BeforeAll
  void startCluster() {
    store = new LocalKeyValueStore();
    server = ApiServer.start(store, 0);
    client = CapstanClient.connect("127.0.0.1:" + server.port());
    manager = new ControllerManager(client, Clock.systemUTC(), new ControllerMetrics(registry));
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

  // ---------------------------------------------------------------- tests

  @Test
  void aDeploymentGetsOneReplicaSetWithItsPodsAndTheOwnerChain(TestInfo info) throws Exception {
    String ns = namespace(info);
    Deployment d;
    try (PodCounter counter = new PodCounter(ns)) {
      d = client.deployments().create(deployment(ns, "web", 3, "nginx:1", rolling("1", "0")));
      awaitComplete(ns, "web", 3);
      // Expectations keep the ReplicaSet controller from creating more while its cache catches up.
      assertThat(counter.max()).isEqualTo(3);
    }
    MetricSamples samples = MetricSamples.scrape(registry);
    for (String controller : List.of("deployment-controller", "replicaset-controller")) {
      assertThat(samples.value("workqueue_adds_total", "name", controller).orElse(0)).as(controller).isPositive();
      assertThat(samples.value("capstan_controller_syncs_total", "name", controller, "result", "success")
          .orElse(0)).as(controller).isPositive();
    }

    List<ReplicaSet> rss = replicaSets(ns);
    assertThat(rss).hasSize(1);
    ReplicaSet rs = rss.get(0);
    OwnerReference rsOwner = OwnerReferences.controllerOf(rs.getMetadata()).orElseThrow();
    assertThat(rsOwner.getKind()).isEqualTo("Deployment");
    assertThat(rsOwner.getUid()).isEqualTo(d.getMetadata().getUid());
    String hash = rs.getMetadata().getLabelsOrThrow("pod-template-hash");
    assertThat(rs.getMetadata().getName()).isEqualTo("web-" + hash);
    assertThat(rs.getSpec().getSelector().getMatchLabelsMap()).containsEntry("pod-template-hash", hash);
    assertThat(rs.getMetadata().getAnnotationsMap()).containsEntry("deployment.kubernetes.io/revision", "1");
    assertThat(rs.getStatus().getReplicas()).isEqualTo(3);
    assertThat(rs.getStatus().getFullyLabeledReplicas()).isEqualTo(3);
    assertThat(rs.getStatus().getReadyReplicas()).isEqualTo(3);
    assertThat(rs.getStatus().getAvailableReplicas()).isEqualTo(3);
    assertThat(rs.getStatus().getObservedGeneration()).isEqualTo(rs.getMetadata().getGeneration());

    List<Pod> pods = pods(ns);
    assertThat(pods).hasSize(3).allSatisfy(pod -> {
      assertThat(pod.getMetadata().getName()).startsWith(rs.getMetadata().getName() + "-");
      assertThat(pod.getMetadata().getLabelsMap()).containsEntry("app", "web").containsEntry("pod-template-hash", hash);
      OwnerReference podOwner = OwnerReferences.controllerOf(pod.getMetadata()).orElseThrow();
      assertThat(podOwner.getKind()).isEqualTo("ReplicaSet");
      assertThat(podOwner.getUid()).isEqualTo(rs.getMetadata().getUid());
      assertThat(podOwner.getBlockOwnerDeletion()).isTrue();
      assertThat(pod.getSpec().getContainers(0).getImage()).isEqualTo("nginx:1");
    });

    Deployment current = client.deployments().get(ns, "web");
    assertThat(current.getStatus().getObservedGeneration()).isEqualTo(current.getMetadata().getGeneration());
    assertThat(current.getStatus().getUnavailableReplicas()).isZero();
    assertThat(DeploymentConditions.get(current.getStatus(), "Available").orElseThrow().getStatus()).isEqualTo("True");
    assertThat(DeploymentConditions.get(current.getStatus(), "Progressing").orElseThrow().getReason())
        .isEqualTo("NewReplicaSetAvailable");
  }

  @Test
  void scalingUpAndDownConverges(TestInfo info) {
    String ns = namespace(info);
    client.deployments().create(deployment(ns, "web", 3, "nginx:1", rolling("1", "0")));
    awaitComplete(ns, "web", 3);

    updateDeployment(ns, "web", d -> d.toBuilder().setSpec(d.getSpec().toBuilder().setReplicas(5)).build());
    awaitComplete(ns, "web", 5);
    assertThat(replicaSets(ns)).singleElement().satisfies(rs -> assertThat(rs.getSpec().getReplicas()).isEqualTo(5));

    updateDeployment(ns, "web", d -> d.toBuilder().setSpec(d.getSpec().toBuilder().setReplicas(2)).build());
    awaitComplete(ns, "web", 2);
    assertThat(replicaSets(ns)).singleElement().satisfies(rs -> assertThat(rs.getSpec().getReplicas()).isEqualTo(2));
  }

  @Test
  void aTemplateChangeRollsOutWithinMaxSurge(TestInfo info) throws Exception {
    String ns = namespace(info);
    client.deployments().create(deployment(ns, "web", 3, "nginx:1", rolling("1", "0")));
    awaitComplete(ns, "web", 3);
    String oldRs = replicaSets(ns).get(0).getMetadata().getName();

    try (PodCounter counter = new PodCounter(ns)) {
      updateDeployment(ns, "web", d -> withImage(d, "nginx:2"));
      awaitComplete(ns, "web", 3);
      await().atMost(TIMEOUT).until(() -> pods(ns).stream()
          .allMatch(p -> p.getSpec().getContainers(0).getImage().equals("nginx:2")) && pods(ns).size() == 3);
      // maxUnavailable 0: no old pod may go before a 4th pod exists; maxSurge 1: never a 5th.
      assertThat(counter.max()).isEqualTo(4);
      assertThat(counter.failed()).isFalse();
    }

    List<ReplicaSet> rss = replicaSets(ns);
    assertThat(rss).hasSize(2);
    ReplicaSet newRs = rss.stream().filter(rs -> !rs.getMetadata().getName().equals(oldRs)).findFirst().orElseThrow();
    ReplicaSet old = rss.stream().filter(rs -> rs.getMetadata().getName().equals(oldRs)).findFirst().orElseThrow();
    assertThat(old.getSpec().getReplicas()).isZero();
    assertThat(newRs.getSpec().getReplicas()).isEqualTo(3);
    assertThat(newRs.getMetadata().getAnnotationsMap()).containsEntry("deployment.kubernetes.io/revision", "2");
    Deployment d = client.deployments().get(ns, "web");
    assertThat(d.getStatus().getUpdatedReplicas()).isEqualTo(3);
    assertThat(d.getStatus().getReplicas()).isEqualTo(3);
  }

  @Test
  void recreateRemovesOldPodsBeforeStartingNewOnes(TestInfo info) throws Exception {
    String ns = namespace(info);
    client.deployments().create(deployment(ns, "web", 2, "nginx:1",
        DeploymentStrategy.newBuilder().setType("Recreate").build()));
    awaitComplete(ns, "web", 2);

    try (PodCounter counter = new PodCounter(ns)) {
      updateDeployment(ns, "web", d -> withImage(d, "nginx:2"));
      awaitComplete(ns, "web", 2);
      await().atMost(TIMEOUT).until(() -> pods(ns).stream()
          .allMatch(p -> p.getSpec().getContainers(0).getImage().equals("nginx:2")) && pods(ns).size() == 2);
      assertThat(counter.mixedImages()).as("old and new pods existed at once").isFalse();
      assertThat(counter.max()).isEqualTo(2);
    }
  }

  @Test
  void aPausedDeploymentDoesNotRollOutUntilResumed(TestInfo info) {
    String ns = namespace(info);
    client.deployments().create(deployment(ns, "web", 2, "nginx:1", rolling("1", "0")));
    awaitComplete(ns, "web", 2);

    updateDeployment(ns, "web", d -> {
      Deployment paused = withImage(d, "nginx:2");
      return paused.toBuilder().setSpec(paused.getSpec().toBuilder().setPaused(true)).build();
    });
    await().atMost(TIMEOUT).until(() -> DeploymentConditions.get(client.deployments().get(ns, "web").getStatus(),
        "Progressing").map(c -> c.getReason().equals("DeploymentPaused")).orElse(false));
    assertThat(replicaSets(ns)).hasSize(1);
    assertThat(pods(ns)).allMatch(p -> p.getSpec().getContainers(0).getImage().equals("nginx:1"));

    updateDeployment(ns, "web", d -> d.toBuilder().setSpec(d.getSpec().toBuilder().setPaused(false)).build());
    awaitComplete(ns, "web", 2);
    await().atMost(TIMEOUT).until(() -> pods(ns).size() == 2
        && pods(ns).stream().allMatch(p -> p.getSpec().getContainers(0).getImage().equals("nginx:2")));
    assertThat(replicaSets(ns)).hasSize(2);
  }

  @Test
  void aDeletedPodIsReplaced(TestInfo info) {
    String ns = namespace(info);
    client.deployments().create(deployment(ns, "web", 2, "nginx:1", rolling("1", "0")));
    awaitComplete(ns, "web", 2);
    String victim = pods(ns).get(0).getMetadata().getName();

    client.pods().delete(ns, victim);

    await().atMost(TIMEOUT).until(() -> {
      List<Pod> pods = pods(ns);
      return pods.size() == 2 && pods.stream().noneMatch(p -> p.getMetadata().getName().equals(victim))
          && pods.stream().allMatch(PodState::isReady);
    });
    awaitComplete(ns, "web", 2);
  }

  @Test
  void deletingTheDeploymentRemovesItsReplicaSetsAndPods(TestInfo info) {
    String ns = namespace(info);
    client.deployments().create(deployment(ns, "web", 2, "nginx:1", rolling("1", "0")));
    awaitComplete(ns, "web", 2);
    updateDeployment(ns, "web", d -> withImage(d, "nginx:2"));
    awaitComplete(ns, "web", 2);
    await().atMost(TIMEOUT).until(() -> replicaSets(ns).size() == 2);

    client.deployments().delete(ns, "web");

    await().atMost(TIMEOUT).until(() -> replicaSets(ns).isEmpty() && pods(ns).isEmpty());
  }

  @Test
  void deletingTheDeploymentInForegroundRemovesItsReplicaSetsAndPodsBeforeIt(TestInfo info) {
    String ns = namespace(info);
    client.deployments().create(deployment(ns, "web", 2, "nginx:1", rolling("1", "0")));
    awaitComplete(ns, "web", 2);

    Deployment marked = client.deployments().delete(DeleteRequest.newBuilder().setNamespace(ns).setName("web")
        .setPropagationPolicy("Foreground").build());

    assertThat(marked.getMetadata().hasDeletionTimestamp()).isTrue();
    assertThat(marked.getMetadata().getFinalizersList()).contains("foregroundDeletion");
    await().atMost(TIMEOUT).until(() -> client.deployments().list(ns).items().isEmpty());
    // The owner went last: nothing it owned (directly or through its ReplicaSet) outlived it.
    assertThat(replicaSets(ns)).isEmpty();
    assertThat(pods(ns)).isEmpty();
  }

  @Test
  void deletingTheDeploymentWithOrphanPropagationKeepsItsReplicaSetAndPods(TestInfo info) {
    String ns = namespace(info);
    client.deployments().create(deployment(ns, "web", 2, "nginx:1", rolling("1", "0")));
    awaitComplete(ns, "web", 2);
    ReplicaSet rs = replicaSets(ns).get(0);

    client.deployments().delete(DeleteRequest.newBuilder().setNamespace(ns).setName("web")
        .setPropagationPolicy("Orphan").build());

    assertThat(client.replicaSets().get(ns, rs.getMetadata().getName()).getMetadata().getOwnerReferencesList())
        .isEmpty();
    // The collector is at work: an object whose only owner is gone, made after the delete, goes.
    Pod stranded = client.pods().create(bareOwnedPod(ns, "stranded",
        OwnerReference.newBuilder().setApiVersion("v1").setKind("ConfigMap").setName("gone").setUid("no-such-uid")
            .build()));
    await().atMost(TIMEOUT).until(() -> pods(ns).stream()
        .noneMatch(p -> p.getMetadata().getUid().equals(stranded.getMetadata().getUid())));
    await().during(Duration.ofSeconds(2)).atMost(TIMEOUT).until(() ->
        replicaSets(ns).size() == 1 && pods(ns).size() == 2);
    assertThat(pods(ns)).allSatisfy(pod -> assertThat(OwnerReferences.controllerOf(pod.getMetadata()).orElseThrow()
        .getUid()).isEqualTo(rs.getMetadata().getUid()));
  }

  @Test
  void aReplicaSetOnItsOwnKeepsItsReplicasAndAdoptsOrphans(TestInfo info) {
    String ns = namespace(info);
    Pod orphan = client.pods().create(Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("orphan").setNamespace(ns).putLabels("app", "solo"))
        .setSpec(PodSpec.newBuilder().addContainers(Container.newBuilder().setName("main").setImage("busybox")))
        .build());
    ReplicaSet rs = client.replicaSets().create(ReplicaSet.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("solo").setNamespace(ns))
        .setSpec(dev.capstan.api.apps.v1.ReplicaSetSpec.newBuilder().setReplicas(3)
            .setSelector(LabelSelector.newBuilder().putMatchLabels("app", "solo"))
            .setTemplate(template("solo", "busybox")))
        .build());

    await().atMost(TIMEOUT).until(() -> {
      ReplicaSet cur = client.replicaSets().get(ns, "solo");
      return cur.getStatus().getReplicas() == 3 && cur.getStatus().getAvailableReplicas() == 3 && pods(ns).size() == 3;
    });
    Pod adopted = client.pods().get(ns, "orphan");
    assertThat(adopted.getMetadata().getUid()).isEqualTo(orphan.getMetadata().getUid());
    assertThat(OwnerReferences.isControlledBy(adopted.getMetadata(), rs.getMetadata())).isTrue();
  }

  @Test
  void theGarbageCollectorDeletesAnObjectWhoseOnlyOwnerIsGone(TestInfo info) {
    String ns = namespace(info);
    Pod pod = client.pods().create(bareOwnedPod(ns, "stranded",
        OwnerReference.newBuilder().setApiVersion("v1").setKind("ConfigMap").setName("gone").setUid("no-such-uid")
            .build()));

    await().atMost(TIMEOUT).until(() -> pods(ns).stream()
        .noneMatch(p -> p.getMetadata().getUid().equals(pod.getMetadata().getUid())));
  }

  @Test
  void theGarbageCollectorKeepsAnObjectWithALiveOwnerAndDropsTheDanglingReference(TestInfo info) {
    String ns = namespace(info);
    ConfigMap owner = client.configMaps().create(ConfigMap.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("owner").setNamespace(ns)).build());
    OwnerReference live = OwnerReference.newBuilder().setApiVersion("v1").setKind("ConfigMap").setName("owner")
        .setUid(owner.getMetadata().getUid()).build();
    OwnerReference dangling = OwnerReference.newBuilder().setApiVersion("v1").setKind("ConfigMap").setName("gone")
        .setUid("no-such-uid").build();
    client.pods().create(bareOwnedPod(ns, "shared", live, dangling));

    await().atMost(TIMEOUT).until(() ->
        client.pods().get(ns, "shared").getMetadata().getOwnerReferencesList().equals(List.of(live)));
  }

  @Test
  void aJobWithCompletions3AndParallelism2RunsToCompletionAndGoesWithItsPods(TestInfo info) throws Exception {
    String ns = namespace(info);
    Job created;
    try (ActivePodCounter counter = new ActivePodCounter(ns)) {
      created = client.jobs().create(job(ns, "batch", 3, 2, 6, "Succeeded"));
      await().atMost(TIMEOUT).until(() -> JobConditions.isComplete(client.jobs().get(ns, "batch")));
      assertThat(counter.maxActive()).as("pods running at once").isBetween(1, 2);
    }

    Job done = client.jobs().get(ns, "batch");
    assertThat(done.getStatus().getSucceeded()).isEqualTo(3);
    assertThat(done.getStatus().getActive()).isZero();
    assertThat(done.getStatus().getFailed()).isZero();
    assertThat(done.getStatus().hasStartTime()).isTrue();
    assertThat(done.getStatus().hasCompletionTime()).isTrue();
    assertThat(JobConditions.finished(done.getStatus()).orElseThrow().getReason()).isEqualTo("CompletionsReached");
    // Expectations: exactly completions pods, none twice from a stale cache.
    assertThat(pods(ns)).hasSize(3).allSatisfy(pod -> {
      assertThat(pod.getMetadata().getName()).startsWith("batch-");
      assertThat(pod.getStatus().getPhase()).isEqualTo("Succeeded");
      assertThat(pod.getMetadata().getLabelsMap()).containsEntry("job-name", "batch")
          .containsEntry("batch.kubernetes.io/controller-uid", created.getMetadata().getUid());
      assertThat(OwnerReferences.isControlledBy(pod.getMetadata(), created.getMetadata())).isTrue();
    });
    await().atMost(TIMEOUT).until(() -> events(ns).contains("Completed"));

    client.jobs().delete(ns, "batch");
    await().atMost(TIMEOUT).until(() -> pods(ns).isEmpty());
  }

  @Test
  void aFailingJobBacksOffAndFailsPastItsBackoffLimit(TestInfo info) {
    String ns = namespace(info);
    client.jobs().create(job(ns, "flaky", 1, 1, 1, "Failed"));

    // backoffLimit 1: the second failure fails the Job; the second pod waits 10 s after the first failed.
    await().atMost(TIMEOUT.plusSeconds(15)).until(() -> JobConditions.isFailed(client.jobs().get(ns, "flaky")));
    Job failed = client.jobs().get(ns, "flaky");
    assertThat(JobConditions.finished(failed.getStatus()).orElseThrow().getReason()).isEqualTo("BackoffLimitExceeded");
    assertThat(failed.getStatus().getFailed()).isEqualTo(2);
    assertThat(failed.getStatus().getActive()).isZero();
    List<Pod> pods = pods(ns).stream()
        .sorted(java.util.Comparator.comparing(p -> ProtoTime.toInstant(p.getMetadata().getCreationTimestamp())))
        .toList();
    assertThat(pods).hasSize(2).allMatch(p -> p.getStatus().getPhase().equals("Failed"));
    var firstFailed = ProtoTime.toInstant(pods.get(0).getStatus().getContainerStatuses(0).getState().getTerminated()
        .getFinishedAt());
    assertThat(ProtoTime.toInstant(pods.get(1).getMetadata().getCreationTimestamp()))
        .isAfterOrEqualTo(firstFailed.plusSeconds(10));
    await().atMost(TIMEOUT).until(() -> events(ns).contains("BackoffLimitExceeded"));
  }

  // ---------------------------------------------------------------- helpers

  private static Pod bareOwnedPod(String ns, String name, OwnerReference... owners) {
    return Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName(name).setNamespace(ns).putLabels("app", "none")
            .addAllOwnerReferences(List.of(owners)))
        .setSpec(PodSpec.newBuilder().addContainers(Container.newBuilder().setName("main").setImage("busybox")))
        .build();
  }

  /** Follows the pods of a namespace through a watch and records how many existed at most. */
  private final class PodCounter implements AutoCloseable {
    private final Map<String, String> imageByPod = new HashMap<>();
    private final AtomicInteger max = new AtomicInteger();
    private final AtomicBoolean mixed = new AtomicBoolean();
    private final AtomicBoolean failed = new AtomicBoolean();
    private final AutoCloseable watch;

    PodCounter(String namespace) {
      ListResult<Pod> initial = client.pods().list(namespace);
      synchronized (imageByPod) {
        initial.items().forEach(this::record);
      }
      watch = client.pods().watch(WatchRequest.newBuilder().setNamespace(namespace)
          .setResourceVersion(initial.resourceVersion()).build(), new WatchHandler<>() {
            @Override
            public void onEvent(WatchEvent<Pod> event) {
              synchronized (imageByPod) {
                switch (event.type()) {
                  case WatchEvent.ADDED, WatchEvent.MODIFIED -> record(event.object());
                  case WatchEvent.DELETED -> imageByPod.remove(event.object().getMetadata().getName());
                  default -> { }
                }
              }
            }

            @Override
            public void onClose(Throwable error) {
              if (error != null) {
                failed.set(true);
              }
            }
          });
    }

    private void record(Pod pod) {
      imageByPod.put(pod.getMetadata().getName(), pod.getSpec().getContainers(0).getImage());
      max.accumulateAndGet(imageByPod.size(), Math::max);
      if (imageByPod.values().stream().distinct().count() > 1) {
        mixed.set(true);
      }
    }

    int max() {
      return max.get();
    }

    boolean mixedImages() {
      return mixed.get();
    }

    boolean failed() {
      return failed.get();
    }

    @Override
    public void close() throws Exception {
      watch.close();
    }
  }

  private static Job job(String ns, String name, int completions, int parallelism, int backoffLimit, String outcome) {
    PodTemplateSpec template = PodTemplateSpec.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().putAnnotations(FakeKubelet.OUTCOME, outcome))
        .setSpec(PodSpec.newBuilder().setRestartPolicy("Never")
            .addContainers(Container.newBuilder().setName("main").setImage("busybox")))
        .build();
    return Job.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName(name).setNamespace(ns))
        .setSpec(JobSpec.newBuilder().setCompletions(completions).setParallelism(parallelism)
            .setBackoffLimit(backoffLimit).setTemplate(template))
        .build();
  }

  /** The reasons of the Events recorded in a namespace. */
  private List<String> events(String ns) {
    return client.events().list(ns).items().stream().map(e -> e.getReason()).toList();
  }

  /** Follows the pods of a namespace through a watch and records how many were active at once at most. */
  private final class ActivePodCounter implements AutoCloseable {
    private final java.util.Set<String> active = new java.util.HashSet<>();
    private final AtomicInteger max = new AtomicInteger();
    private final AutoCloseable watch;

    ActivePodCounter(String namespace) {
      ListResult<Pod> initial = client.pods().list(namespace);
      initial.items().forEach(this::record);
      watch = client.pods().watch(WatchRequest.newBuilder().setNamespace(namespace)
          .setResourceVersion(initial.resourceVersion()).build(), new WatchHandler<>() {
            @Override
            public void onEvent(WatchEvent<Pod> event) {
              switch (event.type()) {
                case WatchEvent.ADDED, WatchEvent.MODIFIED -> record(event.object());
                case WatchEvent.DELETED -> forget(event.object());
                default -> { }
              }
            }

            @Override
            public void onClose(Throwable error) {
            }
          });
    }

    private synchronized void record(Pod pod) {
      if (PodState.isActive(pod)) {
        active.add(pod.getMetadata().getName());
        max.accumulateAndGet(active.size(), Math::max);
      } else {
        active.remove(pod.getMetadata().getName());
      }
    }

    private synchronized void forget(Pod pod) {
      active.remove(pod.getMetadata().getName());
    }

    int maxActive() {
      return max.get();
    }

    @Override
    public void close() throws Exception {
      watch.close();
    }
  }

  private String namespace(TestInfo info) {
    String name = info.getTestMethod().orElseThrow().getName().replaceAll("([A-Z])", "-$1").toLowerCase();
    name = name.length() > 50 ? name.substring(0, 50) : name;
    name = name.replaceAll("-+$", "");
    client.namespaces().create(Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name)).build());
    return name;
  }

  private void awaitComplete(String ns, String name, int replicas) {
    await().atMost(TIMEOUT).untilAsserted(() -> {
      Deployment d = client.deployments().get(ns, name);
      assertThat(d.getStatus().getObservedGeneration()).isEqualTo(d.getMetadata().getGeneration());
      assertThat(d.getStatus().getReplicas()).isEqualTo(replicas);
      assertThat(d.getStatus().getUpdatedReplicas()).isEqualTo(replicas);
      assertThat(d.getStatus().getReadyReplicas()).isEqualTo(replicas);
      assertThat(d.getStatus().getAvailableReplicas()).isEqualTo(replicas);
      assertThat(pods(ns)).hasSize(replicas).allMatch(PodState::isReady);
    });
  }

  private List<Pod> pods(String ns) {
    return client.pods().list(ns).items();
  }

  private List<ReplicaSet> replicaSets(String ns) {
    return client.replicaSets().list(ListRequest.newBuilder().setNamespace(ns).build()).items();
  }

  private void updateDeployment(String ns, String name, UnaryOperator<Deployment> change) {
    await().atMost(TIMEOUT).until(() -> {
      try {
        client.deployments().update(change.apply(client.deployments().get(ns, name)));
        return true;
      } catch (RuntimeException e) {
        if (ApiErrors.isConflict(e)) {
          return false;
        }
        throw e;
      }
    });
  }

  private static Deployment withImage(Deployment d, String image) {
    DeploymentSpec.Builder spec = d.getSpec().toBuilder();
    spec.getTemplateBuilder().getSpecBuilder().getContainersBuilder(0).setImage(image);
    return d.toBuilder().setSpec(spec).build();
  }

  private static DeploymentStrategy rolling(String maxSurge, String maxUnavailable) {
    return DeploymentStrategy.newBuilder().setType("RollingUpdate")
        .setRollingUpdate(RollingUpdateDeployment.newBuilder().setMaxSurge(maxSurge).setMaxUnavailable(maxUnavailable))
        .build();
  }

  private static PodTemplateSpec template(String app, String image) {
    return PodTemplateSpec.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().putLabels("app", app))
        .setSpec(PodSpec.newBuilder().addContainers(Container.newBuilder().setName("main").setImage(image)))
        .build();
  }

  private static Deployment deployment(String ns, String name, int replicas, String image, DeploymentStrategy strategy) {
    return Deployment.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName(name).setNamespace(ns))
        .setSpec(DeploymentSpec.newBuilder()
            .setReplicas(replicas)
            .setSelector(LabelSelector.newBuilder().putMatchLabels("app", name))
            .setTemplate(template(name, image))
            .setStrategy(strategy))
        .build();
  }
}
