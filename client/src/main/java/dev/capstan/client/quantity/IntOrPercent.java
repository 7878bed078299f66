package dev.capstan.client.quantity;

import java.util.Objects;

/**
 * An int-or-string value that is either a whole number or a percentage, as Deployments'
 * {@code maxSurge} and {@code maxUnavailable}: {@code "1"} or {@code "25%"}. Parsing accepts an
 * optionally signed integer, or an integer followed by '%'; whether a negative value is allowed
 * is the caller's rule.
 */
public final class IntOrPercent {
  private final int amount;
  private final boolean percent;

  private IntOrPercent(int amount, boolean percent) {
    this.amount = amount;
    this.percent = percent;
  }

  public static IntOrPercent ofInt(int value) {
    return new IntOrPercent(value, false);
  }

  public static IntOrPercent ofPercent(int percent) {
    return new IntOrPercent(percent, true);
  }

  /** Parses "3" or "25%"; the exception message quotes the text. */
  public static IntOrPercent parse(String text) {
    Objects.requireNonNull(text, "int or percent");
    boolean percent = text.endsWith("%");
    String number = percent ? text.substring(0, text.length() - 1) : text;
    if (!number.matches("[+-]?[0-9]{1,10}")) {
      throw new IllegalArgumentException("invalid value \"" + text
          + "\": must be an integer or a percentage such as \"25%\"");
    }
    long value = Long.parseLong(number);
    if (value > Integer.MAX_VALUE || value < Integer.MIN_VALUE) {
      throw new IllegalArgumentException("invalid value \"" + text + "\": out of the int range");
    }
    return new IntOrPercent((int) value, percent);
  }

  /** The number, or the percentage without its '%'. */
  public int amount() {
    return amount;
  }

  public boolean isPercent() {
    return percent;
  }

  public boolean isZero() {
    return amount == 0;
  }

  /**
   * The value against a total, as Kubernetes' GetScaledValueFromIntOrPercent: an integer as is, a
   * percentage of {@code total} rounded up or down.
   */
  public int scaledValue(int total, boolean roundUp) {
    if (!percent) {
      return amount;
    }
    long product = (long) amount * total;
    return (int) (roundUp ? -Math.floorDiv(-product, 100) : Math.floorDiv(product, 100));
  }

  @Override
  public String toString() {
    return percent ? amount + "%" : Integer.toString(amount);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IntOrPercent other && amount == other.amount && percent == other.percent;
  }

  @Override
  public int hashCode() {
    return Objects.hash(amount, percent);
  }
}
