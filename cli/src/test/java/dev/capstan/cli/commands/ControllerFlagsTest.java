package dev.capstan.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --node-monitor-grace-period} of {@code capstan server} and {@code capstan up}. */
class ControllerFlagsTest {
  private static Duration server(String... args) {
    ServerCommand server = new ServerCommand();
    new CommandLine(server).parseArgs(args);
    return server.controllerFlags.nodeMonitorGracePeriod();
  }

  @Test
  void theGracePeriodDefaultsTo40sAndTakesDurations() {
    assertThat(server()).isEqualTo(Duration.ofSeconds(40));
    assertThat(server("--node-monitor-grace-period", "2m")).isEqualTo(Duration.ofMinutes(2));
    UpCommand up = new UpCommand();
    new CommandLine(up).parseArgs("--node-monitor-grace-period", "15s");
    assertThat(up.controllerFlags.nodeMonitorGracePeriod()).isEqualTo(Duration.ofSeconds(15));
  }

  @Test
  void badValuesNameTheFlag() {
    assertThatThrownBy(() -> server("--node-monitor-grace-period", "soon")).isInstanceOf(CliException.class)
        .hasMessageStartingWith("--node-monitor-grace-period");
    assertThatThrownBy(() -> server("--node-monitor-grace-period", "0s")).isInstanceOf(CliException.class)
        .hasMessageStartingWith("--node-monitor-grace-period: must be positive");
  }
}
