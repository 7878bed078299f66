package dev.capstan.agent;

import dev.capstan.agent.testing.ContainerdFixture;
import dev.capstan.agent.testing.RuntimeFixture;

/** The agent on a real containerd ({@link ContainerdFixture}), through CRI. */
class AgentOnContainerdTest extends AgentOnContainerRuntime {
  @Override
  protected RuntimeFixture startFixture() throws Exception {
    return ContainerdFixture.start();
  }

  @Override
  protected String scheme() {
    return "containerd";
  }

  @Override
  protected String podIpPrefix() {
    return "10.244.";
  }
}
