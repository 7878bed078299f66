package dev.capstan.bench.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class HandOffCostTest {

  @Test
  void gapsAreParsedAndBadOnesNamed() {
    assertThat(HandOffCost.gaps("0, 50,1000")).containsExactly(0, 50, 1000);
    assertThatThrownBy(() -> HandOffCost.gaps("10,-5")).hasMessageContaining("--gaps-us").hasMessageContaining("-5");
    assertThatThrownBy(() -> HandOffCost.gaps("10,ms")).hasMessageContaining("--gaps-us").hasMessageContaining("\"ms\"");
  }

  @Test
  void everyRoundTripIsCountedWithItsTimeAndBothThreadsCpu() throws Exception {
    HandOffCost.Result r = HandOffCost.measure(TimeUnit.MICROSECONDS.toNanos(100), TimeUnit.MILLISECONDS.toNanos(200));
    assertThat(r.roundTrips()).isPositive();
    for (int i = 0; i < r.roundTrips(); i++) {
      assertThat(r.roundTripNs()[i]).isPositive();
    }
    assertThat(r.percentileUs(0.5)).isLessThanOrEqualTo(r.percentileUs(0.99));
    // both threads ran: the woken one at least once per round trip
    assertThat(r.wakerCpuNs()).isPositive();
    assertThat(r.wokenCpuNs()).isPositive();
  }
}
