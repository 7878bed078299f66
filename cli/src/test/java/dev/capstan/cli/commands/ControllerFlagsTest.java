package dev.capstan.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.controllers.ControllerOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The controller manager's flags of {@code capstan server} and {@code capstan up}. */
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

  @Test
  void theTerminatedPodThresholdDefaultsTo12500AndZeroTurnsItOff() {
    ServerCommand server = new ServerCommand();
    new CommandLine(server).parseArgs();
    assertThat(server.controllerFlags.options().terminatedPodGcThreshold()).isEqualTo(12_500);
    new CommandLine(server).parseArgs("--terminated-pod-gc-threshold", "0");
    assertThat(server.controllerFlags.options().terminatedPodGcThreshold()).isZero();
    UpCommand up = new UpCommand();
    new CommandLine(up).parseArgs("--terminated-pod-gc-threshold", "100", "--node-monitor-grace-period", "1m");
    assertThat(up.controllerFlags.options()).isEqualTo(new ControllerOptions(Duration.ofMinutes(1), 100));
    new CommandLine(up).parseArgs("--terminated-pod-gc-threshold", "-1");
    assertThatThrownBy(() -> up.controllerFlags.options()).isInstanceOf(CliException.class)
        .hasMessageStartingWith("--terminated-pod-gc-threshold: must be 0 (keep all) or more");
  }
}
