package dev.capstan.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.apiserver.ServingOptions;
import dev.capstan.apiserver.audit.AuditLevel;
import dev.capstan.apiserver.audit.AuditPolicy;
import dev.capstan.apiserver.audit.AuditedMethod;
import dev.capstan.apiserver.authn.UserInfo;
import dev.capstan.apiserver.ratelimit.InFlightLimit;
import dev.capstan.apiserver.ratelimit.RateLimit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The metrics, audit, rate-limit and in-flight flags of {@code capstan server} and {@code capstan up}. */
class ApiServingFlagsTest {
  @TempDir
  Path dir;

  private static ServingOptions parse(String... args) {
    ServerCommand server = new ServerCommand();
    new CommandLine(server).parseArgs(args);
    return server.serving.options();
  }

  @Test
  void byDefaultMetricsAreOnPort6060WithoutAuditLogOrRateLimitAndWithKubernetesInFlightCeilings() {
    ServingOptions defaults = parse();
    assertThat(defaults.metricsPort()).isEqualTo(6060);
    assertThat(defaults.auditLogPath()).isNull();
    assertThat(defaults.auditPolicy()).isSameAs(AuditPolicy.DEFAULT);
    assertThat(defaults.rateLimit().enabled()).isFalse();
    assertThat(defaults.inFlightLimit()).isEqualTo(new InFlightLimit(400, 200));
  }

  @Test
  void inFlightCeilingsAreSetOrLiftedOneByOne() {
    assertThat(parse("--max-requests-inflight", "0").inFlightLimit()).isEqualTo(new InFlightLimit(0, 200));
    assertThat(parse("--max-requests-inflight", "0", "--max-mutating-requests-inflight", "0").inFlightLimit()
        .enabled()).isFalse();
    assertThat(parse("--max-mutating-requests-inflight", "50").inFlightLimit()).isEqualTo(new InFlightLimit(400, 50));
  }

  @Test
  void metricsPortZeroTurnsTheEndpointOff() {
    assertThat(parse("--metrics-port", "0").metricsPort()).isEqualTo(-1);
    assertThat(parse("--metrics-port", "16060").metricsPort()).isEqualTo(16060);
  }

  @Test
  void theBurstDefaultsToTwiceTheRate() {
    assertThat(parse("--max-requests-per-second", "50").rateLimit()).isEqualTo(new RateLimit(50, 100));
    assertThat(parse("--max-requests-per-second", "0.2").rateLimit()).isEqualTo(new RateLimit(0.2, 1));
    assertThat(parse("--max-requests-per-second", "50", "--max-requests-burst", "7").rateLimit())
        .isEqualTo(new RateLimit(50, 7));
    assertThat(parse("--audit-log-path", "-").auditLogPath()).isEqualTo("-");
  }

  @Test
  void badValuesAreReportedNamingTheirFlag() {
    assertThatThrownBy(() -> parse("--metrics-port", "-1")).isInstanceOf(CliException.class)
        .hasMessageStartingWith("--metrics-port");
    assertThatThrownBy(() -> parse("--max-requests-per-second", "-3")).isInstanceOf(CliException.class)
        .hasMessageStartingWith("--max-requests-per-second");
    assertThatThrownBy(() -> parse("--max-requests-per-second", "5", "--max-requests-burst", "0"))
        .isInstanceOf(CliException.class).hasMessageStartingWith("--max-requests-burst");
    assertThatThrownBy(() -> parse("--audit-log-path", " ")).isInstanceOf(CliException.class)
        .hasMessageStartingWith("--audit-log-path");
    assertThatThrownBy(() -> parse("--max-requests-inflight", "-1")).isInstanceOf(CliException.class)
        .hasMessageStartingWith("--max-requests-inflight");
    assertThatThrownBy(() -> parse("--max-mutating-requests-inflight", "-1")).isInstanceOf(CliException.class)
        .hasMessageStartingWith("--max-mutating-requests-inflight");
  }

  @Test
  void anAuditPolicyFileIsLoadedAtStart() throws Exception {
    Path policy = dir.resolve("audit-policy.yaml");
    Files.writeString(policy, """
        apiVersion: audit.k8s.io/v1
        kind: Policy
        rules:
        - level: RequestResponse
          users: [alice]
        """);
    AuditPolicy loaded = parse("--audit-log-path", "-", "--audit-policy-file", policy.toString()).auditPolicy();
    assertThat(loaded.decide(new UserInfo("alice", "", List.of()), AuditedMethod.of("get", "", "pods", ""), "ns", "p")
        .level()).isEqualTo(AuditLevel.REQUEST_RESPONSE);
    UpCommand up = new UpCommand();
    new CommandLine(up).parseArgs("--audit-log-path", "-", "--audit-policy-file", policy.toString());
    assertThat(up.serving.options().auditPolicy()).isNotSameAs(AuditPolicy.DEFAULT);
  }

  @Test
  void aBadAuditPolicyStopsTheStartNamingTheFlagFileAndField() throws Exception {
    Path policy = dir.resolve("bad.yaml");
    Files.writeString(policy, """
        apiVersion: audit.k8s.io/v1
        kind: Policy
        rules:
        - level: Metadata
        - level: None
        - level: Full
        """);
    assertThatThrownBy(() -> parse("--audit-log-path", "-", "--audit-policy-file", policy.toString()))
        .isInstanceOf(CliException.class).hasMessage("--audit-policy-file " + policy
            + ": rules[2].level: \"Full\" is not one of None, Metadata, Request, RequestResponse");
    assertThatThrownBy(() -> parse("--audit-log-path", "-", "--audit-policy-file", dir.resolve("none.yaml").toString()))
        .isInstanceOf(CliException.class).hasMessageStartingWith("--audit-policy-file: cannot read");
    assertThatThrownBy(() -> parse("--audit-policy-file", policy.toString())).isInstanceOf(CliException.class)
        .hasMessageStartingWith("--audit-policy-file needs --audit-log-path");
  }

  @Test
  void upTakesTheSameFlags() {
    UpCommand up = new UpCommand();
    new CommandLine(up).parseArgs("--metrics-port", "0", "--max-requests-per-second", "10");
    assertThat(up.serving.options().metricsPort()).isEqualTo(-1);
    assertThat(up.serving.options().rateLimit()).isEqualTo(new RateLimit(10, 20));
  }
}
