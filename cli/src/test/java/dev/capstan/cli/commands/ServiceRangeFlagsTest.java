package dev.capstan.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ServiceRangeFlagsTest {
  @Test
  void badValuesNameTheirFlag() {
    ServiceRangeFlags flags = new ServiceRangeFlags();
    assertThat(flags.ranges().clusterIpRange().toString()).isEqualTo("10.96.0.0/12");
    flags.clusterIpRange = "10.96.0.0/33";
    assertThatThrownBy(flags::ranges).isInstanceOf(CliException.class)
        .hasMessage("--service-cluster-ip-range: \"10.96.0.0/33\" is not an IPv4 CIDR (e.g. 10.96.0.0/12)");
    flags.clusterIpRange = "172.20.0.0/16";
    flags.nodePortRange = "30000:32767";
    assertThatThrownBy(flags::ranges).isInstanceOf(CliException.class)
        .hasMessage("--service-node-port-range: \"30000:32767\" is not a port range (e.g. 30000-32767)");
  }
}
