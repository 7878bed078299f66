package dev.capstan.agent.runtime.containerd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ContainerdConfigTest {
  private final ContainerdConfig config = ContainerdConfig.of(Path.of("/var/lib/capstan/containerd"),
      Path.of("/run/capstan/containerd.sock"));

  @Test
  void keepsEveryPathAndListenerOfTheInstanceToItself() {
    String toml = config.configToml();
    assertThat(toml).startsWith("# Generated").contains("version = 2\n")
        .contains("root = \"/var/lib/capstan/containerd/root\"")
        .contains("state = \"/var/lib/capstan/containerd/state\"")
        .contains("[grpc]\n  address = \"/run/capstan/containerd.sock\"")
        .contains("[ttrpc]\n  address = \"/run/capstan/containerd.sock.ttrpc\"")
        .contains("stream_server_port = \"0\"")
        .contains("path = \"/var/lib/capstan/containerd/opt\"");
  }

  @Test
  void setsTheCriPluginUpAsThisHostKindNeeds() {
    String toml = config.configToml();
    assertThat(toml)
        .contains("sandbox_image = \"" + PauseImage.REFERENCE + "\"")
        .contains("restrict_oom_score_adj = true")
        .contains("netns_mounts_under_state_dir = true")
        .contains("[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\n"
            + "        runtime_type = \"io.containerd.runc.v2\"")
        .contains("[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n"
            + "          SystemdCgroup = false")
        .contains("bin_dir = \"/usr/lib/cni\"")
        .contains("conf_dir = \"/var/lib/capstan/containerd/cni/net.d\"");
  }

  @Test
  void theCniConfigChainsBridgeHostLocalPortmapAndLoopback() throws Exception {
    JsonNode conf = new ObjectMapper().readTree(config.withNetwork("capstan7", "10.244.7.0/24").cniConflist());
    assertThat(conf.get("cniVersion").asText()).isEqualTo("0.4.0");
    JsonNode plugins = conf.get("plugins");
    assertThat(plugins).extracting(p -> p.get("type").asText()).containsExactly("bridge", "portmap", "loopback");
    JsonNode bridge = plugins.get(0);
    assertThat(bridge.get("bridge").asText()).isEqualTo("capstan7");
    assertThat(bridge.get("isGateway").asBoolean()).isTrue();
    assertThat(bridge.get("ipMasq").asBoolean()).isTrue();
    assertThat(bridge.get("ipam").get("type").asText()).isEqualTo("host-local");
    assertThat(bridge.get("ipam").get("ranges").get(0).get(0).get("subnet").asText()).isEqualTo("10.244.7.0/24");
    assertThat(bridge.get("ipam").get("dataDir").asText()).isEqualTo("/var/lib/capstan/containerd/cni/ipam");
    assertThat(plugins.get(1).get("capabilities").get("portMappings").asBoolean()).isTrue();
  }

  @Test
  void rejectsWhatContainerdOrTheKernelWouldRejectLater() {
    assertThatThrownBy(() -> ContainerdConfig.of(Path.of("/tmp"), Path.of("/tmp/" + "s".repeat(110))))
        .hasMessageContaining("108");
    assertThatThrownBy(() -> config.withNetwork("a-bridge-name-too-long", "10.244.0.0/24"))
        .hasMessageContaining("bridge");
    assertThatThrownBy(() -> config.withNetwork("capstan0", "10.244.0.0"))
        .hasMessageContaining("podSubnet");
  }
}
