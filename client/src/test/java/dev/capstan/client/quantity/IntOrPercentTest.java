package dev.capstan.client.quantity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IntOrPercentTest {
  @Test
  void parsesIntegersAndPercentages() {
    assertThat(IntOrPercent.parse("25%")).isEqualTo(IntOrPercent.ofPercent(25));
    assertThat(IntOrPercent.parse("3")).isEqualTo(IntOrPercent.ofInt(3));
    assertThat(IntOrPercent.parse("-1").amount()).isEqualTo(-1);
    assertThat(IntOrPercent.parse("0%").isZero()).isTrue();
    assertThat(IntOrPercent.parse("25%").isPercent()).isTrue();
    assertThat(IntOrPercent.parse("25%").toString()).isEqualTo("25%");
    assertThat(IntOrPercent.parse("7").toString()).isEqualTo("7");
  }

  @Test
  void scalesPercentagesAgainstATotal() {
    assertThat(IntOrPercent.parse("25%").scaledValue(10, true)).isEqualTo(3);
    assertThat(IntOrPercent.parse("25%").scaledValue(10, false)).isEqualTo(2);
    assertThat(IntOrPercent.parse("25%").scaledValue(4, true)).isEqualTo(1);
    assertThat(IntOrPercent.parse("2").scaledValue(100, false)).isEqualTo(2);
    assertThat(IntOrPercent.parse("100%").scaledValue(0, true)).isEqualTo(0);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "%", "abc", "2.5%", "25 %", "1e3", "99999999999"})
  void rejectsOtherText(String text) {
    assertThatThrownBy(() -> IntOrPercent.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("invalid value \"" + text + "\"");
  }
}
