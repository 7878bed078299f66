package dev.capstan.agent;

import dev.capstan.agent.testing.PodmanFixture;
import dev.capstan.agent.testing.RuntimeFixture;

/** The agent on a real Podman API service ({@link PodmanFixture}); logs written by Podman's k8s-file driver. */
class AgentOnPodmanTest extends AgentOnContainerRuntime {
  @Override
  protected RuntimeFixture startFixture() throws Exception {
    return PodmanFixture.start();
  }

  @Override
  protected String scheme() {
    return "podman";
  }

  @Override
  protected String podIpPrefix() {
    return "10.243.";
  }
}
