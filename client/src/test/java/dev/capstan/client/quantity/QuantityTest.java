package dev.capstan.client.quantity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class QuantityTest {
  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource({
      // plain and millis
      "2,       2",
      "0.5,     0.5",
      ".5,      0.5",
      "5.,      5",
      "+3,      3",
      "-1.5,    -1.5",
      "100m,    0.1",
      "1n,      0.000000001",
      "250u,    0.00025",
      // decimal SI
      "1k,      1000",
      "128M,    128000000",
      "2G,      2000000000",
      "1T,      1000000000000",
      "1P,      1000000000000000",
      "1E,      1000000000000000000",
      "1.5k,    1500",
      // binary SI
      "1Ki,     1024",
      "64Mi,    67108864",
      "1Gi,     1073741824",
      "1Ti,     1099511627776",
      "1Pi,     1125899906842624",
      "1Ei,     1152921504606846976",
      "0.5Gi,   536870912",
      // exponents
      "1e3,     1000",
      "1E3,     1000",
      "12e-3,   0.012",
      "5e+2,    500",
  })
  void parsesToTheExactValue(String text, String value) {
    assertThat(Quantity.parse(text).toBigDecimal()).isEqualByComparingTo(new BigDecimal(value));
  }

  @Test
  void milliValueIsRoundedUp() {
    assertThat(Quantity.parse("100m").milliValue()).isEqualTo(100);
    assertThat(Quantity.parse("2").milliValue()).isEqualTo(2000);
    assertThat(Quantity.parse("0.5").milliValue()).isEqualTo(500);
    assertThat(Quantity.parse("1n").milliValue()).isEqualTo(1);
    assertThat(Quantity.parse("1500u").milliValue()).isEqualTo(2);
    assertThat(Quantity.parse("-1500u").milliValue()).as("away from zero").isEqualTo(-2);
  }

  @Test
  void valueIsRoundedUp() {
    assertThat(Quantity.parse("64Mi").value()).isEqualTo(67_108_864L);
    assertThat(Quantity.parse("128M").value()).isEqualTo(128_000_000L);
    assertThat(Quantity.parse("100m").value()).isEqualTo(1);
    assertThat(Quantity.parse("1.2").value()).isEqualTo(2);
    assertThat(Quantity.parse("2").value()).isEqualTo(2);
  }

  @Test
  void hugeValuesSaturate() {
    assertThat(Quantity.parse("100E").value()).isEqualTo(Long.MAX_VALUE);
    assertThat(Quantity.parse("1E").milliValue()).isEqualTo(Long.MAX_VALUE);
    assertThat(Quantity.parse("-100E").value()).isEqualTo(Long.MIN_VALUE);
  }

  @Test
  void precisionBelowNanoIsRoundedUp() {
    assertThat(Quantity.parse("0.0000000001").toString()).isEqualTo("1n");
    assertThat(Quantity.parse("1.0000000001").toBigDecimal()).isEqualByComparingTo("1.000000001");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "100m,    100m",
      "0.5,     500m",
      "2,       2",
      "2000m,   2",
      "1000,    1k",
      "1500,    1500",
      "1.5G,    1500M",
      "128M,    128M",
      "1k,      1k",
      "64Mi,    64Mi",
      "1024Ki,  1Mi",
      "1536Mi,  1536Mi",
      "0.5Gi,   512Mi",
      "0.5Ki,   512",
      "0.1Ki,   102400m",
      "1e3,     1e3",
      "1e2,     100",
      "12e6,    12e6",
      "0,       0",
      "0Mi,     0",
      "-100m,   -100m",
      "-1Ki,    -1Ki",
      "1000E,   1000E",
  })
  void writesCanonicalForm(String text, String canonical) {
    Quantity quantity = Quantity.parse(text);
    assertThat(quantity.toString()).isEqualTo(canonical);
    assertThat(Quantity.parse(quantity.toString())).isEqualTo(quantity);
  }

  @Test
  void factoriesChooseTheirFormat() {
    assertThat(Quantity.ofMillis(100).toString()).isEqualTo("100m");
    assertThat(Quantity.ofMillis(2000).toString()).isEqualTo("2");
    assertThat(Quantity.ofBytes(67_108_864L).toString()).isEqualTo("64Mi");
    assertThat(Quantity.ofBytes(1000).toString()).isEqualTo("1000");
    assertThat(Quantity.of(3).milliValue()).isEqualTo(3000);
  }

  @Test
  void arithmeticKeepsTheReceiversFormat() {
    assertThat(Quantity.parse("100m").plus(Quantity.parse("1")).toString()).isEqualTo("1100m");
    assertThat(Quantity.parse("64Mi").plus(Quantity.parse("64Mi")).toString()).isEqualTo("128Mi");
    assertThat(Quantity.ZERO.plus(Quantity.parse("1Gi")).toString()).as("zero takes the other's format").isEqualTo("1Gi");
    assertThat(Quantity.parse("1Gi").minus(Quantity.parse("512Mi")).toString()).isEqualTo("512Mi");
    assertThat(Quantity.parse("1").minus(Quantity.parse("1500m")).toString()).isEqualTo("-500m");
  }

  @Test
  void comparesByValue() {
    assertThat(Quantity.parse("1Ki")).isEqualTo(Quantity.parse("1024"));
    assertThat(Quantity.parse("1Ki").hashCode()).isEqualTo(Quantity.parse("1024").hashCode());
    assertThat(Quantity.parse("1k")).isLessThan(Quantity.parse("1Ki"));
    assertThat(Quantity.parse("500m")).isEqualByComparingTo(Quantity.parse("0.5"));
    assertThat(Quantity.parse("0")).isEqualTo(Quantity.ZERO);
    assertThat(Quantity.parse("2")).isGreaterThan(Quantity.parse("1999m"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "abc", "Gi", "1Zi", "1ki", "1K", "1 Gi", "1.2.3", "--1", "+-1", ".", "1e", "1Mi2",
      "1e3.5", "1mm", "0x10", "1Gib"})
  void rejectsBadInputNamingTheText(String text) {
    assertThatThrownBy(() -> Quantity.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("invalid quantity \"" + text + "\"");
  }

  @Test
  void errorMessagesExplain() {
    assertThatThrownBy(() -> Quantity.parse("abc")).hasMessageContaining("quantities must match the regular expression");
    assertThatThrownBy(() -> Quantity.parse("1Zi")).hasMessageContaining("quantities must match the regular expression");
    assertThatThrownBy(() -> Quantity.parse("1ki")).hasMessageContaining("unknown suffix \"ki\"");
  }
}
