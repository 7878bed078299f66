package dev.capstan.client.quantity;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A Kubernetes resource quantity: a fixed-point number with a suffix, as in {@code 100m} (cpu),
 * {@code 64Mi} or {@code 128M} (bytes), {@code 0.5}, {@code 1e3}.
 *
 * <p>Accepted forms: an optionally signed decimal number ({@code 2}, {@code 0.5}, {@code .5}),
 * followed by nothing, a decimal SI suffix ({@code n u m k M G T P E}), a binary SI suffix
 * ({@code Ki Mi Gi Ti Pi Ei}) or a decimal exponent ({@code e3}, {@code E-2}). Precision finer
 * than a nano-unit is rounded up, as Kubernetes does.
 *
 * <p>The value is kept exactly; {@link #value()} and {@link #milliValue()} round up (away from
 * zero) to whole units and saturate at the {@code long} range. A quantity remembers the family of
 * suffix it was written in (decimal SI, binary SI or exponent), and {@link #toString()} writes the
 * canonical form in that family: the largest suffix that keeps the number whole ({@code 1000m} is
 * {@code 1}, {@code 1024Ki} is {@code 1Mi}, {@code 0.5} is {@code 500m}). Equality and ordering are
 * by value only, so {@code 1Ki} equals {@code 1024}.
 */
public final class Quantity implements Comparable<Quantity> {
  /** How a quantity is written: which family of suffix {@link #toString()} uses. */
  public enum Format { DECIMAL_SI, BINARY_SI, DECIMAL_EXPONENT }

  private static final String FORMAT_RULE =
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
  private static final Pattern SUFFIX_SHAPE =
      Pattern.compile("[eEinumkKMGTP]*[-+]?[0-9]*");
  private static final int NANO_SCALE = 9;
  private static final String[] BINARY_SUFFIXES = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
  private static final BigDecimal THOUSAND = BigDecimal.valueOf(1000);
  private static final BigInteger KIBI = BigInteger.valueOf(1024);

  public static final Quantity ZERO = new Quantity(BigDecimal.ZERO, Format.DECIMAL_SI);

  private final BigDecimal amount;
  private final Format format;

  private Quantity(BigDecimal amount, Format format) {
    this.amount = amount;
    this.format = format;
  }

  /** Parses a quantity; the exception message quotes the text and says what is wrong. */
  public static Quantity parse(String text) {
    Objects.requireNonNull(text, "quantity");
    if (text.isEmpty()) {
      throw new IllegalArgumentException("invalid quantity \"\": quantity must not be empty");
    }
    int i = 0;
    boolean negative = false;
    if (text.charAt(0) == '+' || text.charAt(0) == '-') {
      negative = text.charAt(0) == '-';
      i = 1;
    }
    int numberStart = i;
    int digits = 0;
    boolean point = false;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c >= '0' && c <= '9') {
        digits++;
      } else if (c == '.' && !point) {
        point = true;
      } else {
        break;
      }
      i++;
    }
    if (digits == 0) {
      throw formatError(text);
    }
    BigDecimal number = new BigDecimal(text.substring(numberStart, i).endsWith(".")
        ? text.substring(numberStart, i - 1) : text.substring(numberStart, i));
    String suffix = text.substring(i);
    if (!SUFFIX_SHAPE.matcher(suffix).matches()) {
      throw formatError(text);
    }
    BigDecimal amount;
    Format format;
    int binaryPower = binaryPower(suffix);
    if (binaryPower >= 0) {
      amount = number.multiply(new BigDecimal(KIBI.pow(binaryPower)));
      format = Format.BINARY_SI;
    } else {
      Integer decimalExponent = decimalSiExponent(suffix);
      if (decimalExponent != null) {
        format = Format.DECIMAL_SI;
      } else {
        decimalExponent = exponent(text, suffix);
        format = Format.DECIMAL_EXPONENT;
      }
      amount = number.scaleByPowerOfTen(decimalExponent);
    }
    if (negative) {
      amount = amount.negate();
    }
    return new Quantity(normalize(amount), format);
  }

  /** {@code m} thousandths of a unit, e.g. millicores: {@code ofMillis(250)} is {@code 250m}. */
  public static Quantity ofMillis(long millis) {
    return new Quantity(normalize(BigDecimal.valueOf(millis, 3)), Format.DECIMAL_SI);
  }

  /** A whole number of units written in decimal SI: {@code of(2)} is {@code 2}. */
  public static Quantity of(long units) {
    return new Quantity(BigDecimal.valueOf(units), Format.DECIMAL_SI);
  }

  /** A number of bytes written in binary SI: {@code ofBytes(67108864)} is {@code 64Mi}. */
  public static Quantity ofBytes(long bytes) {
    return new Quantity(BigDecimal.valueOf(bytes), Format.BINARY_SI);
  }

  /** The value in whole units, rounded up away from zero: {@code 64Mi} is 67108864, {@code 0.1} is 1. */
  public long value() {
    return saturate(amount.setScale(0, RoundingMode.UP));
  }

  /** The value in thousandths, rounded up away from zero: {@code 100m} is 100, {@code 2} is 2000. */
  public long milliValue() {
    return saturate(amount.movePointRight(3).setScale(0, RoundingMode.UP));
  }

  /** The exact value. */
  public BigDecimal toBigDecimal() {
    return amount;
  }

  public Format format() {
    return format;
  }

  public boolean isZero() {
    return amount.signum() == 0;
  }

  public int signum() {
    return amount.signum();
  }

  /** The sum, written in this quantity's format (the other's when this one is zero, as Kubernetes). */
  public Quantity plus(Quantity other) {
    return new Quantity(normalize(amount.add(other.amount)), isZero() ? other.format : format);
  }

  /** The difference, written in this quantity's format (the other's when this one is zero). */
  public Quantity minus(Quantity other) {
    return new Quantity(normalize(amount.subtract(other.amount)), isZero() ? other.format : format);
  }

  public Quantity negate() {
    return new Quantity(amount.negate(), format);
  }

  @Override
  public int compareTo(Quantity other) {
    return amount.compareTo(other.amount);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Quantity other && amount.compareTo(other.amount) == 0;
  }

  @Override
  public int hashCode() {
    return amount.signum() == 0 ? 0 : amount.stripTrailingZeros().hashCode();
  }

  /** The canonical text in this quantity's format; {@link #parse} reads it back to an equal value. */
  @Override
  public String toString() {
    if (amount.signum() == 0) {
      return "0";
    }
    if (format == Format.BINARY_SI) {
      String binary = binaryText();
      if (binary != null) {
        return binary;
      }
      // Fractional byte counts have no binary form; Kubernetes falls back to decimal SI.
    }
    return decimalText(format == Format.DECIMAL_EXPONENT);
  }

  private String binaryText() {
    if (amount.stripTrailingZeros().scale() > 0) {
      return null;
    }
    BigInteger whole = amount.toBigIntegerExact();
    int power = 0;
    while (power < BINARY_SUFFIXES.length - 1 && whole.signum() != 0
        && whole.mod(KIBI).signum() == 0 && whole.abs().compareTo(KIBI) >= 0) {
      whole = whole.divide(KIBI);
      power++;
    }
    return whole + BINARY_SUFFIXES[power];
  }

  private String decimalText(boolean exponentForm) {
    // The largest multiple-of-three exponent (from nano up) that leaves a whole mantissa.
    BigDecimal stripped = amount.stripTrailingZeros();
    int exponent = -stripped.scale();  // amount = unscaled * 10^exponent with unscaled not a multiple of 10
    int chosen = Math.floorDiv(exponent, 3) * 3;
    chosen = Math.max(chosen, -NANO_SCALE);
    if (!exponentForm) {
      chosen = Math.min(chosen, 18);
    }
    BigInteger mantissa = stripped.scaleByPowerOfTen(-chosen).toBigIntegerExact();
    if (exponentForm) {
      return chosen == 0 ? mantissa.toString() : mantissa + "e" + chosen;
    }
    return mantissa + decimalSuffix(chosen);
  }

  private static String decimalSuffix(int exponent) {
    return switch (exponent) {
      case -9 -> "n";
      case -6 -> "u";
      case -3 -> "m";
      case 0 -> "";
      case 3 -> "k";
      case 6 -> "M";
      case 9 -> "G";
      case 12 -> "T";
      case 15 -> "P";
      case 18 -> "E";
      default -> throw new IllegalStateException("no decimal SI suffix for 10^" + exponent);
    };
  }

  private static Integer decimalSiExponent(String suffix) {
    return switch (suffix) {
      case "n" -> -9;
      case "u" -> -6;
      case "m" -> -3;
      case "" -> 0;
      case "k" -> 3;
      case "M" -> 6;
      case "G" -> 9;
      case "T" -> 12;
      case "P" -> 15;
      case "E" -> 18;
      default -> null;
    };
  }

  private static int binaryPower(String suffix) {
    for (int power = 1; power < BINARY_SUFFIXES.length; power++) {
      if (BINARY_SUFFIXES[power].equals(suffix)) {
        return power;
      }
    }
    return -1;
  }

  /** The exponent of an "e3", "E-2" suffix; anything else is an unknown suffix. */
  private static int exponent(String text, String suffix) {
    if (suffix.length() < 2 || (suffix.charAt(0) != 'e' && suffix.charAt(0) != 'E')) {
      throw suffixError(text, suffix);
    }
    String digits = suffix.substring(1);
    int start = digits.charAt(0) == '+' || digits.charAt(0) == '-' ? 1 : 0;
    if (start == digits.length() || digits.length() - start > 4) {
      throw suffixError(text, suffix);
    }
    for (int i = start; i < digits.length(); i++) {
      if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
        throw suffixError(text, suffix);
      }
    }
    return Integer.parseInt(digits);
  }

  /** Rounds precision below a nano-unit up, as Kubernetes does, and drops needless scale. */
  private static BigDecimal normalize(BigDecimal amount) {
    BigDecimal rounded = amount.scale() > NANO_SCALE ? amount.setScale(NANO_SCALE, RoundingMode.UP) : amount;
    return rounded.signum() == 0 ? BigDecimal.ZERO : rounded;
  }

  private static long saturate(BigDecimal whole) {
    if (whole.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      return Long.MAX_VALUE;
    }
    if (whole.compareTo(BigDecimal.valueOf(Long.MIN_VALUE)) < 0) {
      return Long.MIN_VALUE;
    }
    return whole.longValueExact();
  }

  private static IllegalArgumentException formatError(String text) {
    return new IllegalArgumentException("invalid quantity \"" + text + "\": " + FORMAT_RULE);
  }

  private static IllegalArgumentException suffixError(String text, String suffix) {
    return new IllegalArgumentException("invalid quantity \"" + text + "\": unknown suffix \"" + suffix
        + "\" (use n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or an exponent such as e3)");
  }
}
