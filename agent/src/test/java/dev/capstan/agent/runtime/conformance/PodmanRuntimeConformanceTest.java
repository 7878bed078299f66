package dev.capstan.agent.runtime.conformance;

import dev.capstan.agent.runtime.ContainerRuntime;
import dev.capstan.agent.runtime.RuntimeFeature;
import dev.capstan.agent.runtime.podman.PodmanRuntime;
import dev.capstan.agent.testing.PodmanFixture;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The conformance suite on {@link PodmanRuntime} over one real {@code podman system service} for
 * the class ({@link PodmanFixture}): busybox image, pods on the fixture's own CNI bridge. Needs root.
 */
class PodmanRuntimeConformanceTest extends ContainerRuntimeConformance {
  private PodmanFixture fixture;

  @Override
  protected ContainerRuntime start() throws Exception {
    fixture = PodmanFixture.start();
    return fixture.runtime();
  }

  @Override
  protected ContainerRuntime reopen() {
    return fixture.newRuntime();
  }

  @Override
  protected void stop() throws Exception {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Override
  protected String nodeIp() {
    return "127.0.0.1";
  }

  @Override
  protected String image() {
    return PodmanFixture.BUSYBOX;
  }

  @Override
  protected List<String> shell(String script) {
    return List.of("sh", "-c", script);
  }

  @Override
  protected Set<RuntimeFeature> declaredFeatures() {
    return EnumSet.allOf(RuntimeFeature.class);
  }
}
