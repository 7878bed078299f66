package dev.capstan.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class InitialClusterTest {
  private static final Path DIR = Path.of("unused");

  @Test
  void anEmptyFlagMeansThisMemberAlone() {
    assertThat(InitialCluster.storeConfig("s1", DIR, "127.0.0.1:2380", List.of()).peers())
        .containsExactly("s1=127.0.0.1:2380");
  }

  @Test
  void aMalformedOrInconsistentFlagIsReportedNamingIt() {
    assertThatThrownBy(() -> InitialCluster.storeConfig("s1", DIR, "127.0.0.1:2380", List.of("s1")))
        .isInstanceOf(CliException.class).hasMessageStartingWith("--initial-cluster: ");
    assertThatThrownBy(() -> InitialCluster.storeConfig("s4", DIR, "127.0.0.1:2380",
        List.of("s1=127.0.0.1:2380", "s2=127.0.0.1:2381")))
        .isInstanceOf(CliException.class).hasMessageContaining("--initial-cluster: ").hasMessageContaining("s4");
  }
}
