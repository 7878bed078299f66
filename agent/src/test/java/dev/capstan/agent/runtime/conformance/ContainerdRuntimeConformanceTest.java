package dev.capstan.agent.runtime.conformance;

import dev.capstan.agent.runtime.ContainerRuntime;
import dev.capstan.agent.runtime.RuntimeFeature;
import dev.capstan.agent.runtime.cri.CriClient;
import dev.capstan.agent.runtime.cri.CriRuntime;
import dev.capstan.agent.testing.ContainerdFixture;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The conformance suite on {@link CriRuntime} over one real containerd for the class
 * ({@link ContainerdFixture}): busybox image, pods on the fixture's own bridge. Needs root.
 */
class ContainerdRuntimeConformanceTest extends ContainerRuntimeConformance {
  private ContainerdFixture fixture;

  @Override
  protected ContainerRuntime start() throws Exception {
    fixture = ContainerdFixture.start();
    return fixture.runtime();
  }

  @Override
  protected ContainerRuntime reopen() {
    return new CriRuntime(new CriClient(fixture.containerd().socket()), nodeIp(), Clock.systemUTC(),
        Duration.ofMillis(200));
  }

  @Override
  protected void stop() throws Exception {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Override
  protected String nodeIp() {
    return ContainerdFixture.NODE_IP;
  }

  @Override
  protected String image() {
    return ContainerdFixture.BUSYBOX;
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
