package dev.capstan.apiserver.allocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ServiceRangesTest {
  @Test
  void theDefaultsAreKubernetes() {
    ServiceRanges r = ServiceRanges.defaults();
    assertThat(r.clusterIpRange().toString()).isEqualTo("10.96.0.0/12");
    assertThat(r.clusterIpRange().size()).isEqualTo(1 << 20);
    assertThat(r.clusterIpRange().contains(Ipv4Cidr.parseAddress("10.111.255.254").orElseThrow())).isTrue();
    assertThat(r.clusterIpRange().contains(Ipv4Cidr.parseAddress("10.112.0.1").orElseThrow())).isFalse();
    assertThat(r.nodePortRange()).isEqualTo("30000-32767");
  }

  @Test
  void addressesAreFourDecimalOctetsOnly() {
    assertThat(Ipv4Cidr.parseAddress("192.168.0.1")).hasValue(0xc0a80001L);
    assertThat(Ipv4Cidr.format(0xc0a80001L)).isEqualTo("192.168.0.1");
    for (String bad : new String[] {"", "1.2.3", "1.2.3.4.5", "1.2.3.256", "01.2.3.4", "a.b.c.d", "1.2.3.-4", "::1"}) {
      assertThat(Ipv4Cidr.parseAddress(bad)).as(bad).isEmpty();
    }
  }

  @Test
  void badRangesSayWhatIsWrong() {
    assertThatThrownBy(() -> ServiceRanges.parse("10.96.0.0", "30000-32767"))
        .hasMessage("\"10.96.0.0\" is not a CIDR (e.g. 10.96.0.0/12)");
    assertThatThrownBy(() -> ServiceRanges.parse("10.96.0.1/12", "30000-32767"))
        .hasMessage("\"10.96.0.1/12\" has host bits set; the network is 10.96.0.0/12");
    assertThatThrownBy(() -> ServiceRanges.parse("10.96.0.0/33", "30000-32767"))
        .hasMessage("\"10.96.0.0/33\" is not an IPv4 CIDR (e.g. 10.96.0.0/12)");
    assertThatThrownBy(() -> ServiceRanges.parse("10.96.0.0/31", "30000-32767"))
        .hasMessage("\"10.96.0.0/31\" is too small: the prefix must be at most /30");
    assertThatThrownBy(() -> ServiceRanges.parse("10.96.0.0/12", "32767-30000"))
        .hasMessage("\"32767-30000\" is not a port range (e.g. 30000-32767)");
    assertThatThrownBy(() -> ServiceRanges.parse("10.96.0.0/12", "30000"))
        .hasMessage("\"30000\" is not a port range (e.g. 30000-32767)");
  }
}
