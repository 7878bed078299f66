package dev.capstan.cli.output;

import com.google.protobuf.Timestamp;
import java.time.Duration;
import java.time.Instant;

/** Durations the way kubectl prints them in AGE columns: "45s", "3m12s", "5h", "4d". */
public final class Age {
  private Age() {}

  public static String since(Timestamp t, Instant now) {
    if (t == null || (t.getSeconds() == 0 && t.getNanos() == 0)) {
      return "<unknown>";
    }
    return format(Duration.between(Instant.ofEpochSecond(t.getSeconds(), t.getNanos()), now));
  }

  public static String format(Duration d) {
    long s = Math.max(0, d.getSeconds());
    if (s < 120) {
      return s + "s";
    }
    long m = s / 60;
    if (m < 10) {
      return s % 60 == 0 ? m + "m" : m + "m" + (s % 60) + "s";
    }
    if (m < 180) {
      return m + "m";
    }
    long h = m / 60;
    if (h < 8) {
      return m % 60 == 0 ? h + "h" : h + "h" + (m % 60) + "m";
    }
    if (h < 48) {
      return h + "h";
    }
    long days = h / 24;
    if (days < 8) {
      return h % 24 == 0 ? days + "d" : days + "d" + (h % 24) + "h";
    }
    if (days < 365 * 2) {
      return days + "d";
    }
    return (days / 365) + "y";
  }
}
