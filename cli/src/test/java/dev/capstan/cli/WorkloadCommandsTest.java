package dev.capstan.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.apps.v1.DaemonSet;
import dev.capstan.api.apps.v1.StatefulSet;
import dev.capstan.client.CapstanClient;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kubernetes manifests of a DaemonSet and a StatefulSet applied unchanged, listed with
 * {@code get ds|sts}, and a StatefulSet scaled, against one in-process apiserver for the class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkloadCommandsTest {
  private static final String MANIFEST = """
      apiVersion: apps/v1
      kind: DaemonSet
      metadata:
        name: node-exporter
        namespace: default
      spec:
        selector:
          matchLabels: {app: node-exporter}
        updateStrategy:
          type: RollingUpdate
          rollingUpdate: {maxUnavailable: 1, maxSurge: 0}
        revisionHistoryLimit: 10
        template:
          metadata:
            labels: {app: node-exporter}
          spec:
            nodeSelector: {kubernetes.io/os: linux}
            tolerations:
            - operator: Exists
            containers:
            - name: exporter
              image: prom/node-exporter:v1.8.0
      ---
      apiVersion: apps/v1
      kind: StatefulSet
      metadata:
        name: web
        namespace: default
      spec:
        serviceName: web
        replicas: 2
        podManagementPolicy: OrderedReady
        updateStrategy:
          type: RollingUpdate
          rollingUpdate: {partition: 0}
        selector:
          matchLabels: {app: web}
        template:
          metadata:
            labels: {app: web}
          spec:
            containers:
            - name: nginx
              image: nginx:1.27
      """;

  @TempDir
  Path dir;

  private InProcessApiServer cluster;
  private CapstanClient client;

  @BeforeAll
  void start() {
    cluster = new InProcessApiServer();
    client = cluster.client();
  }

  @AfterAll
  void stop() {
    cluster.close();
  }

  private CliRun capstan(String... args) {
    return cluster.capstan(args);
  }

  @Test
  void kubernetesManifestsApplyAndListAndAStatefulSetScales() throws Exception {
    Path manifest = Files.writeString(dir.resolve("workloads.yaml"), MANIFEST);
    CliRun applied = capstan("apply", "-f", manifest.toString());
    assertThat(applied.exitCode()).as(applied.err()).isZero();

    DaemonSet ds = client.daemonSets().get("default", "node-exporter");
    assertThat(ds.getSpec().getUpdateStrategy().getRollingUpdate().getMaxUnavailable()).isEqualTo("1");
    CliRun daemonSets = capstan("get", "ds");
    assertThat(daemonSets.exitCode()).as(daemonSets.err()).isZero();
    assertThat(daemonSets.out()).contains("NODE SELECTOR").contains("UP-TO-DATE")
        .containsPattern("node-exporter +0 +0 +0 +0 +0 +kubernetes.io/os=linux");

    CliRun statefulSets = capstan("get", "statefulsets", "-o", "wide");
    assertThat(statefulSets.exitCode()).as(statefulSets.err()).isZero();
    assertThat(statefulSets.out()).containsPattern("web +0/2 +\\S+ +nginx +nginx:1.27");

    CliRun scaled = capstan("scale", "sts", "web", "--replicas", "5");
    assertThat(scaled.exitCode()).as(scaled.err()).isZero();
    StatefulSet web = client.statefulSets().get("default", "web");
    assertThat(web.getSpec().getReplicas()).isEqualTo(5);
  }

  @Test
  void volumeClaimTemplatesAreRefusedNamingTheField() throws Exception {
    Path manifest = Files.writeString(dir.resolve("db.yaml"), """
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: db, namespace: default}
        spec:
          selector: {matchLabels: {app: db}}
          template:
            metadata: {labels: {app: db}}
            spec:
              containers: [{name: db, image: postgres:16}]
          volumeClaimTemplates:
          - metadata: {name: data}
            spec:
              accessModes: [ReadWriteOnce]
              resources: {requests: {storage: 1Gi}}
        """);
    CliRun refused = capstan("apply", "-f", manifest.toString());
    assertThat(refused.exitCode()).isNotZero();
    assertThat(refused.err()).contains("spec.volumeClaimTemplates: not supported: Capstan has no persistent volumes");
  }
}
