package dev.capstan.cli.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.agent.Agent;
import dev.capstan.agent.AgentConfig;
import dev.capstan.agent.metrics.AgentMetrics;
import dev.capstan.api.core.v1.NodeStatsRequest;
import dev.capstan.api.core.v1.NodesGrpc;
import dev.capstan.agent.runtime.process.ProcessRuntime;
import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.apps.v1.DeploymentSpec;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.PodTemplateSpec;
import dev.capstan.api.meta.v1.LabelSelector;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.apiserver.ServingOptions;
import dev.capstan.apiserver.allocation.ServiceRanges;
import dev.capstan.client.CapstanClient;
import dev.capstan.apiserver.authn.UserInfo;
import dev.capstan.apiserver.pki.Subject;
import dev.capstan.store.ratis.AutoCompaction;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code capstan up}'s wiring in one JVM: a single-node control plane (Ratis store, apiserver,
 * scheduler, controllers) and an agent on the process runtime sharing its registry. One scrape of
 * the one {@code /metrics} port over HTTP shows every part's metrics after a one-replica
 * Deployment's pod was created, scheduled and started.
 */
class ControlPlaneMetricsTest {
  private static final String NODE = "metrics-node";

  @TempDir Path dir;

  @Test
  void oneMetricsPortServesTheStoreApiserverSchedulerControllersAndAgent() throws Exception {
    Clock clock = Clock.systemUTC();
    ClusterTokens tokens = ClusterTokens.ensure(dir.resolve("tokens.csv"), NODE, new SecureRandom());
    try (ControlPlane cp = ControlPlane.startSingleNode(new ControlPlane.Config(dir.resolve("cp"), "127.0.0.1", 0,
        freePort(), 0, tokens, AutoCompaction.off(), ServingOptions.NONE.withMetricsPort(0), ServiceRanges.defaults(), List.of()), clock);
        ProcessRuntime runtime = new ProcessRuntime(dir.resolve("runtime"), "127.0.0.1", clock);
        // Wired as capstan up wires its agent: a serving certificate from the CA in this process.
        Agent agent = new Agent(AgentConfig.of(NODE, dir.resolve("agent"), "127.0.0.1", 0, runtime)
            .withTls(cp.agentTls(NODE, List.of("127.0.0.1", "localhost"))),
            cp.connectAs(new Subject(UserInfo.NODE_USER_PREFIX + NODE, List.of(UserInfo.SYSTEM_NODES))), clock,
            new AgentMetrics(cp.metricsRegistry()))) {
      agent.start();
      CapstanClient admin = cp.connectAs(new Subject(ClusterTokens.ADMIN, List.of("system:masters")));
      admin.deployments().create(Deployment.newBuilder()
          .setMetadata(ObjectMeta.newBuilder().setName("web").setNamespace("default"))
          .setSpec(DeploymentSpec.newBuilder().setReplicas(1)
              .setSelector(LabelSelector.newBuilder().putMatchLabels("app", "web"))
              .setTemplate(PodTemplateSpec.newBuilder()
                  .setMetadata(ObjectMeta.newBuilder().putLabels("app", "web"))
                  .setSpec(PodSpec.newBuilder().addContainers(Container.newBuilder().setName("app")
                      .setImage("busybox").addAllCommand(List.of("sleep", "300"))))))
          .build());
      await().atMost(Duration.ofSeconds(30)).until(() -> admin.pods().list("default").items().stream()
          .anyMatch(p -> p.getStatus().getPhase().equals("Running")));

      HttpClient http = HttpClient.newHttpClient();
      URI uri = URI.create("http://127.0.0.1:" + cp.metricsPort() + "/metrics");
      // The pod start is observed by the sync after the one that reported Running at the latest.
      await().atMost(Duration.ofSeconds(10)).until(() -> value(scrape(http, uri),
          "kubelet_pod_start_duration_seconds_count") >= 1);
      String text = scrape(http, uri);
      assertThat(value(text, "capstan_store_is_leader")).isEqualTo(1);
      assertThat(value(text, "capstan_store_leader_changes_total")).isGreaterThanOrEqualTo(1);
      assertThat(value(text, "capstan_store_applied_index")).isPositive();
      assertThat(value(text, "capstan_store_write_batch_size_count")).isPositive();
      assertThat(value(text, "capstan_apiserver_requests_total{code=\"OK\",kind=\"deployments\",verb=\"create\"}"))
          .isEqualTo(1);
      assertThat(value(text, "scheduler_schedule_attempts_total{result=\"scheduled\"}")).isEqualTo(1);
      assertThat(value(text, "workqueue_adds_total{name=\"deployment-controller\"}")).isPositive();
      assertThat(value(text, "workqueue_adds_total{name=\"replicaset-controller\"}")).isPositive();
      assertThat(value(text, "capstan_controller_syncs_total{name=\"replicaset-controller\",result=\"success\"}"))
          .isPositive();
      assertThat(value(text, "kubelet_runtime_operations_total{operation_type=\"run_podsandbox\"}")).isEqualTo(1);
      assertThat(value(text, "kubelet_running_pods")).isEqualTo(1);
      assertThat(value(text, "kubelet_running_containers{container_state=\"running\"}")).isEqualTo(1);
      assertThat(text).contains("jvm_memory_used_bytes");
      // Every certificate the process presents is renewed while it runs; the gauge says until when each holds.
      // (The scheduler and controller manager call their own process's apiserver in process, without one.)
      double now = clock.instant().getEpochSecond();
      assertThat(text).doesNotContain("client:system:kube-scheduler");
      for (String certificate : List.of("apiserver-serving", "apiserver-kubelet-client", "node-serving",
          "client:system:node:" + NODE)) {
        assertThat(value(text, "capstan_certificate_expiration_seconds{certificate=\"" + certificate + "\"}"))
            .as(certificate).isBetween(now + 364 * 86400, now + 366 * 86400);
      }
      // The apiserver reaches that agent over mutual TLS (nodes/stats) with its own client certificate.
      assertThat(NodesGrpc.newBlockingStub(admin.channel()).stats(NodeStatsRequest.newBuilder().setName(NODE).build())
          .getNodeName()).isEqualTo(NODE);
    }
  }

  private static String scrape(HttpClient http, URI uri) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  /** The value of the sample written exactly as {@code sample} (name and labels in the text format's order). */
  private static double value(String text, String sample) {
    Matcher m = Pattern.compile("^" + Pattern.quote(sample) + " (\\S+)$", Pattern.MULTILINE).matcher(text);
    assertThat(m.find()).as("a sample %s in%n%s", sample, text).isTrue();
    return Double.parseDouble(m.group(1));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
