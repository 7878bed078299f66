package dev.capstan.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.core.v1.EndpointAddress;
import dev.capstan.api.core.v1.EndpointPort;
import dev.capstan.api.core.v1.EndpointSubset;
import dev.capstan.api.core.v1.Endpoints;
import dev.capstan.api.core.v1.Service;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.client.CapstanClient;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code capstan apply} of a Kubernetes Service manifest and {@code get svc / ep} against an in-process apiserver. */
class ServiceCommandsTest {
  /** As written for Kubernetes: named and numbered target ports, a NodePort, the int-or-string targetPort. */
  private static final String MANIFEST = """
      apiVersion: v1
      kind: Service
      metadata:
        name: web
        labels:
          app: web
      spec:
        type: NodePort
        selector:
          app: web
        ports:
        - name: http
          port: 80
          targetPort: http
          nodePort: 30080
        - name: metrics
          protocol: TCP
          port: 9090
          targetPort: 9100
      """;

  @TempDir
  Path dir;

  private InProcessApiServer cluster;
  private CapstanClient client;

  @BeforeEach
  void start() {
    cluster = new InProcessApiServer();
    client = cluster.client();
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  @Test
  void applyingAKubernetesServiceManifestAllocatesAndReApplyingChangesNothing() throws Exception {
    Path file = dir.resolve("svc.yaml");
    Files.writeString(file, MANIFEST);

    CliRun created = capstan("apply", "-f", file.toString());
    assertThat(created.exitCode()).as(created.err()).isZero();
    assertThat(created.out()).contains("service/web created");
    Service svc = client.services().get("default", "web");
    assertThat(svc.getSpec().getClusterIp()).startsWith("10.");
    assertThat(svc.getSpec().getPorts(0).getTargetPort()).isEqualTo("http");
    assertThat(svc.getSpec().getPorts(1).getTargetPort()).isEqualTo("9100");
    int metricsNodePort = svc.getSpec().getPorts(1).getNodePort();
    assertThat(metricsNodePort).isBetween(30000, 32767);

    CliRun again = capstan("apply", "-f", file.toString());
    assertThat(again.out()).as(again.err()).contains("service/web unchanged");

    CliRun table = capstan("get", "svc");
    assertThat(table.exitCode()).as(table.err()).isZero();
    assertThat(table.out()).containsPattern("NAME\\s+TYPE\\s+CLUSTER-IP\\s+EXTERNAL-IP\\s+PORT\\(S\\)\\s+AGE")
        .containsPattern("web\\s+NodePort\\s+" + svc.getSpec().getClusterIp().replace(".", "\\.")
            + "\\s+<none>\\s+80:30080/TCP,9090:" + metricsNodePort + "/TCP\\s+");
    assertThat(capstan("get", "services", "-o", "wide").out()).contains("app=web");

    CliRun taken = capstan("apply", "-f", write("other.yaml", MANIFEST.replace("name: web\n", "name: other\n")));
    assertThat(taken.exitCode()).isNotZero();
    assertThat(taken.err()).contains("spec.ports[0].nodePort: invalid value 30080: provided port is already allocated");
  }

  @Test
  void getEndpointsShowsAddressPortPairs() {
    Endpoints.Builder ep = Endpoints.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("default")
        .setName("web"));
    EndpointSubset.Builder subset = ep.addSubsetsBuilder()
        .addPorts(EndpointPort.newBuilder().setPort(8080).setProtocol("TCP"));
    for (int i = 1; i <= 4; i++) {
      subset.addAddresses(EndpointAddress.newBuilder().setIp("10.244.0." + i));
    }
    client.endpoints().create(ep.build());
    client.endpoints().create(Endpoints.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("default")
        .setName("empty")).build());

    CliRun table = capstan("get", "ep");
    assertThat(table.exitCode()).as(table.err()).isZero();
    assertThat(table.out()).containsPattern("empty\\s+<none>\\s+")
        .containsPattern("web\\s+10\\.244\\.0\\.1:8080,10\\.244\\.0\\.2:8080,10\\.244\\.0\\.3:8080 \\+ 1 more\\.\\.\\.\\s+");
  }

  private String write(String name, String text) throws Exception {
    Path p = dir.resolve(name);
    Files.writeString(p, text);
    return p.toString();
  }

  private CliRun capstan(String... args) {
    return cluster.capstan(args);
  }
}
