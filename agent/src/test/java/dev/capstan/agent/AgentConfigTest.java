package dev.capstan.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.agent.testing.FakeRuntime;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;

class AgentConfigTest {
  private final FakeRuntime runtime = new FakeRuntime(Clock.systemUTC());

  @Test
  void aNodeNameIsALowercaseDnsSubdomain() {
    for (String name : new String[] {"node-1", "n", "worker.zone-a.example", "a".repeat(253)}) {
      assertThat(AgentConfig.of(name, Path.of("/tmp/agent"), "127.0.0.1", 0, runtime).nodeName()).isEqualTo(name);
    }
    for (String name : new String[] {"", "Node-1", "node_1", "-node", "node-", "a..b", ".a", "a".repeat(254)}) {
      assertThatThrownBy(() -> AgentConfig.of(name, Path.of("/tmp/agent"), "127.0.0.1", 0, runtime))
          .as(name).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("nodeName: ");
    }
  }
}
