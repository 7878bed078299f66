package dev.capstan.agent.runtime.podman;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class PodmanServiceConfigTest {
  @Test
  void theRunRootStaysUnderAShortDataDirAndMovesToRunForADeepOne() {
    Path shortDir = Path.of("/var/lib/capstan/podman");
    assertThat(PodmanServiceConfig.of(shortDir, shortDir.resolve("p.sock")).runRoot())
        .isEqualTo(Path.of("/var/lib/capstan/podman/run"));

    // Podman refuses a runroot over 50 bytes, as a CI checkout's data dir easily is.
    Path deep = Path.of("/work/checkouts/capstan/e2e/target/e2e-runs/podman-1234567890/data/agent/podman");
    Path moved = PodmanServiceConfig.of(deep, deep.resolve("p.sock")).runRoot();
    assertThat(moved.toString()).startsWith("/run/capstan/podman-").hasSizeLessThanOrEqualTo(50);
    assertThat(PodmanServiceConfig.of(deep, deep.resolve("p.sock")).runRoot()).as("the same dir every time")
        .isEqualTo(moved);
    Path other = Path.of("/work/checkouts/capstan/e2e/target/e2e-runs/podman-0987654321/data/agent/podman");
    assertThat(PodmanServiceConfig.of(other, other.resolve("p.sock")).runRoot()).isNotEqualTo(moved);
  }
}
