package dev.capstan.agent;

import dev.capstan.agent.testing.ContainerdFixture;
import dev.capstan.agent.testing.RuntimeFixture;

/** An agent restart on containerd: its pods are adopted. */
class AgentRestartOnContainerdTest extends AgentRestartOnContainerRuntime {
  @Override
  protected RuntimeFixture startFixture() throws Exception {
    return ContainerdFixture.start();
  }
}
