package dev.capstan.bench.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MachineCpuTest {

  @Test
  void idleAndIoWaitAreIdleAndTheRestBusy() {
    MachineCpu.Sample s = MachineCpu.parse("cpu  390468 0 121311 289404 10699 0 11625 0 0 0");
    assertThat(s.idle()).isEqualTo(289404 + 10699);
    assertThat(s.busy()).isEqualTo(390468 + 121311 + 11625);
  }

  @Test
  void theIdleShareIsOfTheTicksBetweenTwoSamples() {
    MachineCpu.Sample before = new MachineCpu.Sample(1000, 500);
    MachineCpu.Sample after = new MachineCpu.Sample(1150, 550);
    assertThat(MachineCpu.idlePercent(before, after)).isEqualTo(25.0);
    assertThat(MachineCpu.idlePercent(before, before)).isNaN();
    assertThat(MachineCpu.idlePercent(null, after)).isNaN();
  }

  @Test
  void refusesALineThatIsNotTheMachinesTotal() {
    assertThatThrownBy(() -> MachineCpu.parse("cpu0 199567 0 60618 144984 3293 0 4191 0"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cpu0");
  }

  @Test
  void readsThisMachine() {
    MachineCpu.Sample s = MachineCpu.sample();
    assertThat(s).isNotNull();
    assertThat(s.busy() + s.idle()).isPositive();
  }
}
