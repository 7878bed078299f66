package dev.capstan.agent.runtime.podman;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.capstan.agent.runtime.ContainerConfig;
import dev.capstan.agent.runtime.ContainerResources;
import dev.capstan.agent.runtime.ContainerState;
import dev.capstan.agent.runtime.ImagePullPolicy;
import dev.capstan.agent.runtime.Mount;
import dev.capstan.agent.runtime.RuntimeContainer;
import java.io.ByteArrayOutputStream;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How PodmanRuntime maps the runtime interface onto libpod's JSON, without a Podman. */
class PodmanMappingTest {

  private static final ContainerConfig CONFIG = new ContainerConfig("web", 2, "busybox:1.36", List.of("httpd"),
      List.of("-f", "-p", "80"), "/www", List.of(new ContainerConfig.EnvVar("A", "1")), Path.of("web/2.log"),
      Map.of("app", "web"), Map.of("note", "x"), ImagePullPolicy.IF_NOT_PRESENT,
      new ContainerResources(250, 500, 64L << 20), List.of(new Mount(Path.of("/srv/data"), "/data", true)));

  @Test
  void aContainerSpecCarriesCommandResourcesMountsLogsAndItsOwnRecord() {
    ObjectNode spec = PodmanRuntime.containerSpec("0123456789abcdef", CONFIG, Path.of("/logs/pod/web/2.log"));
    assertThat(spec.path("name").asText()).isEqualTo("0123456789ab_web_2");
    assertThat(spec.path("pod").asText()).isEqualTo("0123456789abcdef");
    assertThat(spec.path("entrypoint").toString()).isEqualTo("[\"httpd\"]");
    assertThat(spec.path("command").toString()).isEqualTo("[\"-f\",\"-p\",\"80\"]");
    assertThat(spec.path("work_dir").asText()).isEqualTo("/www");
    assertThat(spec.path("env").path("A").asText()).isEqualTo("1");
    assertThat(spec.path("annotations").path("note").asText()).isEqualTo("x");
    assertThat(spec.path("log_configuration").toString())
        .isEqualTo("{\"driver\":\"k8s-file\",\"path\":\"/logs/pod/web/2.log\"}");
    // kubelet's arithmetic: 250m = 256 shares, 500m = 50 ms per 100 ms.
    assertThat(spec.path("resource_limits").path("cpu").toString())
        .isEqualTo("{\"shares\":256,\"quota\":50000,\"period\":100000}");
    assertThat(spec.path("resource_limits").path("memory").toString())
        .isEqualTo("{\"limit\":67108864,\"swap\":67108864}");
    assertThat(spec.path("mounts").toString())
        .isEqualTo("[{\"destination\":\"/data\",\"source\":\"/srv/data\",\"type\":\"bind\",\"options\":[\"rbind\",\"ro\"]}]");
    assertThat(spec.path("labels").path("app").asText()).isEqualTo("web");
    assertThat(spec.path("labels").path(PodmanRuntime.LABEL_CONTAINER).asText())
        .isEqualTo("{\"name\":\"web\",\"attempt\":2,\"logPath\":\"web/2.log\",\"annotations\":{\"note\":\"x\"}}");
  }

  @Test
  void withoutCommandOrArgsTheImageDefaultsStand() {
    ContainerConfig plain = new ContainerConfig("c", 0, "busybox:1.36", List.of(), List.of(), "", List.of(),
        Path.of("c/0.log"), Map.of(), Map.of());
    ObjectNode spec = PodmanRuntime.containerSpec("abc", plain, Path.of("/l/c/0.log"));
    assertThat(spec.has("entrypoint")).isFalse();
    assertThat(spec.has("command")).isFalse();
    assertThat(spec.has("work_dir")).isFalse();
    assertThat(spec.path("resource_limits").toString()).isEqualTo("{\"cpu\":{\"shares\":2}}");
  }

  @Test
  void inspectBecomesStatusWithOomAndStartErrorReasons() throws Exception {
    ObjectNode spec = PodmanRuntime.containerSpec("pod1", CONFIG, Path.of("/logs/web/2.log"));
    String labels = spec.path("labels").toString();
    JsonNode oom = PodmanClient.JSON.readTree("{\"Id\":\"c1\",\"Pod\":\"pod1\",\"Created\":\"2026-11-30T17:48:47.335197707Z\","
        + "\"ImageName\":\"busybox:1.36\",\"State\":{\"Status\":\"exited\",\"ExitCode\":137,\"OOMKilled\":true,"
        + "\"Error\":\"\",\"StartedAt\":\"2026-11-30T17:48:47.5Z\",\"FinishedAt\":\"2026-11-30T17:48:48Z\"},"
        + "\"Config\":{\"Labels\":" + labels + "},\"HostConfig\":{\"LogConfig\":{\"Path\":\"/logs/web/2.log\"}}}");
    RuntimeContainer c = PodmanRuntime.fromInspect(oom);
    assertThat(c.state()).isEqualTo(ContainerState.EXITED);
    assertThat(c.reason()).isEqualTo(RuntimeContainer.REASON_OOM_KILLED);
    assertThat(c.exitCode()).isEqualTo(137);
    assertThat(c.sandboxId()).isEqualTo("pod1");
    assertThat(c.name()).isEqualTo("web");
    assertThat(c.attempt()).isEqualTo(2);
    assertThat(c.labels()).isEqualTo(Map.of("app", "web"));
    assertThat(c.config().annotations()).isEqualTo(Map.of("note", "x"));
    assertThat(c.config().logPath()).isEqualTo(Path.of("web/2.log"));
    assertThat(c.logPath()).isEqualTo(Path.of("/logs/web/2.log"));
    assertThat(c.startedAt()).hasToString("2026-11-30T17:48:47.500Z");

    JsonNode failed = PodmanClient.JSON.readTree("{\"Id\":\"c2\",\"Pod\":\"pod1\",\"Created\":\"2026-11-30T17:48:47Z\","
        + "\"State\":{\"Status\":\"exited\",\"ExitCode\":127,\"Error\":\"exec: \\\"nope\\\": not found\","
        + "\"StartedAt\":\"0001-01-01T00:00:00Z\",\"FinishedAt\":\"0001-01-01T00:00:00Z\"},"
        + "\"Config\":{\"Labels\":" + labels + "},\"HostConfig\":{}}");
    RuntimeContainer f = PodmanRuntime.fromInspect(failed);
    assertThat(f.reason()).isEqualTo(RuntimeContainer.REASON_START_ERROR);
    assertThat(f.message()).contains("not found");
    assertThat(f.startedAt()).isNull();
    assertThat(f.finishedAt()).isNull();
  }

  @Test
  void podmanStatesMapOntoCriStates() {
    assertThat(PodmanRuntime.state("created")).isEqualTo(ContainerState.CREATED);
    assertThat(PodmanRuntime.state("configured")).isEqualTo(ContainerState.CREATED);
    assertThat(PodmanRuntime.state("running")).isEqualTo(ContainerState.RUNNING);
    assertThat(PodmanRuntime.state("stopping")).isEqualTo(ContainerState.RUNNING);
    assertThat(PodmanRuntime.state("exited")).isEqualTo(ContainerState.EXITED);
    assertThat(PodmanRuntime.state("stopped")).isEqualTo(ContainerState.EXITED);
    assertThat(PodmanRuntime.state("removing")).isEqualTo(ContainerState.UNKNOWN);
  }

  @Test
  void execOutputIsSplitFromDockersMultiplexedFrames() throws Exception {
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    frame(wire, 1, "out1\n");
    frame(wire, 2, "err\n");
    frame(wire, 1, "");
    frame(wire, 1, "out2");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    ExecSession.demultiplex(new ByteArrayInputStream(wire.toByteArray()), out, err);
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("out1\nout2");
    assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("err\n");
  }

  @Test
  void theServiceConfigKeepsEverythingInItsDataDir() {
    PodmanServiceConfig c = PodmanServiceConfig.of(Path.of("/var/lib/capstan/podman"),
        Path.of("/var/lib/capstan/podman/podman.sock"));
    assertThat(c.command()).containsExactly("/usr/bin/podman", "--root", "/var/lib/capstan/podman/root",
        "--runroot", "/var/lib/capstan/podman/run", "--tmpdir", "/var/lib/capstan/podman/tmp",
        "--cgroup-manager", "cgroupfs", "--events-backend", "file", "system", "service", "--time=0",
        "unix:///var/lib/capstan/podman/podman.sock");
    assertThat(c.containersConf())
        .contains("default_ulimits = [\"nofile=20000:20000\", \"nproc=32768:32768\"]")
        .contains("network_backend = \"cni\"")
        .contains("network_config_dir = \"/var/lib/capstan/podman/cni/net.d\"")
        .contains("default_network = \"capstan-cappod0\"")
        .contains("conmon_path = [\"/var/lib/capstan/podman/conmon\"]")
        .contains("exit_command_delay = 10");
    assertThat(c.cniConflist()).contains("\"name\": \"capstan-cappod0\"").contains("\"bridge\": \"cappod0\"")
        .contains("\"subnet\": \"10.243.0.0/24\"").contains("\"dataDir\": \"/var/lib/capstan/podman/cni/ipam\"");
    assertThat(c.conmonWrapperScript()).startsWith("#!/bin/sh\n").contains("cd \"$arg\"")
        .endsWith("exec /usr/bin/conmon \"$@\"\n");
  }

  private static void frame(ByteArrayOutputStream wire, int stream, String payload) {
    byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
    wire.write(stream);
    wire.write(0);
    wire.write(0);
    wire.write(0);
    wire.write(bytes.length >>> 24);
    wire.write(bytes.length >>> 16);
    wire.write(bytes.length >>> 8);
    wire.write(bytes.length);
    wire.writeBytes(bytes);
  }
}
