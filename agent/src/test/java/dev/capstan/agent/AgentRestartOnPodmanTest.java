package dev.capstan.agent;

import dev.capstan.agent.testing.PodmanFixture;
import dev.capstan.agent.testing.RuntimeFixture;

/** An agent restart on Podman: its pods are adopted. */
class AgentRestartOnPodmanTest extends AgentRestartOnContainerRuntime {
  @Override
  protected RuntimeFixture startFixture() throws Exception {
    return PodmanFixture.start();
  }
}
