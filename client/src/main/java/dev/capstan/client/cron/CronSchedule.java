package dev.capstan.client.cron;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A standard 5-field cron schedule, as a CronJob's {@code spec.schedule} writes it:
 * {@code minute hour day-of-month month day-of-week}.
 *
 * <ul>
 *   <li>Each field is {@code *}, a value, a range {@code a-b}, a step <code>&#42;/n</code>, {@code a-b/n} or
 *       {@code a/n} (from a to the field's end), or a comma-separated list of these.</li>
 *   <li>Months may be named JAN..DEC and days of the week SUN..SAT (any case); Sunday is 0 or 7;
 *       {@code ?} means {@code *} in the two day fields.</li>
 *   <li>The macros {@code @yearly} ({@code @annually}), {@code @monthly}, {@code @weekly},
 *       {@code @daily} ({@code @midnight}) and {@code @hourly} stand for their usual expressions.</li>
 *   <li>When both day fields are restricted (neither is a plain {@code *}), a day matches if
 *       either does, as in Vixie cron and Kubernetes; otherwise both must.</li>
 * </ul>
 *
 * <p>Times are read in a time zone. A local time that a daylight-saving change skips does not fire
 * that day; one that it repeats fires once, at its first occurrence. Immutable and thread-safe.
 */
public final class CronSchedule {
  /** Looked at in either direction: the longest gap a valid schedule has (Feb 29 across 2100) plus a margin. */
  private static final int SEARCH_DAYS = 8 * 366 + 7;
  private static final Map<String, String> MACROS = Map.of(
      "@yearly", "0 0 1 1 *", "@annually", "0 0 1 1 *", "@monthly", "0 0 1 * *", "@weekly", "0 0 * * 0",
      "@daily", "0 0 * * *", "@midnight", "0 0 * * *", "@hourly", "0 * * * *");
  private static final List<String> MONTH_NAMES =
      List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC");
  private static final List<String> DAY_NAMES = List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");

  private final String expression;
  private final BitSet minutes;
  private final BitSet hours;
  private final BitSet daysOfMonth;
  private final BitSet months;
  private final BitSet daysOfWeek;
  /** Whether each day field is unrestricted ("*" or "?"), which decides between AND and OR. */
  private final boolean anyDayOfMonth;
  private final boolean anyDayOfWeek;

  private CronSchedule(String expression, BitSet[] fields, boolean anyDayOfMonth, boolean anyDayOfWeek) {
    this.expression = expression;
    this.minutes = fields[0];
    this.hours = fields[1];
    this.daysOfMonth = fields[2];
    this.months = fields[3];
    this.daysOfWeek = fields[4];
    this.anyDayOfMonth = anyDayOfMonth;
    this.anyDayOfWeek = anyDayOfWeek;
  }

  /**
   * Parses an expression.
   *
   * @throws IllegalArgumentException naming the field and the part that is wrong
   */
  public static CronSchedule parse(String expression) {
    if (expression == null || expression.isBlank()) {
      throw new IllegalArgumentException("empty schedule");
    }
    String trimmed = expression.strip();
    if (trimmed.startsWith("TZ=") || trimmed.startsWith("CRON_TZ=")) {
      throw new IllegalArgumentException("a time zone in the schedule is not supported; use spec.timeZone");
    }
    String fieldsText = trimmed;
    if (trimmed.startsWith("@")) {
      fieldsText = MACROS.get(trimmed.toLowerCase(Locale.ROOT));
      if (fieldsText == null) {
        throw new IllegalArgumentException("unknown macro \"" + trimmed + "\"; supported: @yearly, @annually, "
            + "@monthly, @weekly, @daily, @midnight, @hourly");
      }
    }
    String[] parts = fieldsText.split("\\s+");
    if (parts.length != 5) {
      throw new IllegalArgumentException("expected 5 fields (minute hour day-of-month month day-of-week), got "
          + parts.length);
    }
    BitSet[] fields = new BitSet[5];
    for (Field f : Field.values()) {
      fields[f.ordinal()] = f.parse(parts[f.ordinal()]);
    }
    // Sunday is 0 or 7.
    if (fields[4].get(7)) {
      fields[4].set(0);
      fields[4].clear(7);
    }
    return new CronSchedule(trimmed, fields, isAny(parts[2]), isAny(parts[4]));
  }

  private static boolean isAny(String field) {
    return field.equals("*") || field.equals("?");
  }

  /** The expression as written. */
  public String expression() {
    return expression;
  }

  /** The first time after {@code after} (strictly) that the schedule fires; empty if it never does. */
  public Optional<Instant> next(Instant after, ZoneId zone) {
    LocalDate day = LocalDateTime.ofInstant(after, zone).toLocalDate().minusDays(1);  // a DST shift may go back
    for (int i = 0; i < SEARCH_DAYS; i++, day = day.plusDays(1)) {
      if (!matchesDay(day)) {
        continue;
      }
      for (int h = hours.nextSetBit(0); h >= 0; h = hours.nextSetBit(h + 1)) {
        for (int m = minutes.nextSetBit(0); m >= 0; m = minutes.nextSetBit(m + 1)) {
          Optional<Instant> t = instant(day, h, m, zone);
          if (t.isPresent() && t.get().isAfter(after)) {
            return t;
          }
        }
      }
    }
    return Optional.empty();
  }

  /** The last time at or before {@code atOrBefore} that the schedule fired; empty if none within 8 years. */
  public Optional<Instant> previous(Instant atOrBefore, ZoneId zone) {
    LocalDate day = LocalDateTime.ofInstant(atOrBefore, zone).toLocalDate().plusDays(1);
    for (int i = 0; i < SEARCH_DAYS; i++, day = day.minusDays(1)) {
      if (!matchesDay(day)) {
        continue;
      }
      for (int h = hours.previousSetBit(23); h >= 0; h = hours.previousSetBit(h - 1)) {
        for (int m = minutes.previousSetBit(59); m >= 0; m = minutes.previousSetBit(m - 1)) {
          Optional<Instant> t = instant(day, h, m, zone);
          if (t.isPresent() && !t.get().isAfter(atOrBefore)) {
            return t;
          }
        }
      }
    }
    return Optional.empty();
  }

  private boolean matchesDay(LocalDate day) {
    if (!months.get(day.getMonthValue())) {
      return false;
    }
    boolean dom = daysOfMonth.get(day.getDayOfMonth());
    boolean dow = daysOfWeek.get(day.getDayOfWeek().getValue() % 7);
    if (anyDayOfMonth || anyDayOfWeek) {
      return dom && dow;
    }
    return dom || dow;
  }

  /** The instant of a local time, at its earlier offset; empty when a DST gap skips it. */
  private static Optional<Instant> instant(LocalDate day, int hour, int minute, ZoneId zone) {
    LocalDateTime local = day.atTime(hour, minute);
    List<ZoneOffset> offsets = zone.getRules().getValidOffsets(local);
    if (offsets.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(local.toInstant(offsets.get(0)).truncatedTo(ChronoUnit.MINUTES));
  }

  @Override
  public String toString() {
    return expression;
  }

  private enum Field {
    MINUTE("minute", 0, 59, List.of()),
    HOUR("hour", 0, 23, List.of()),
    DAY_OF_MONTH("day-of-month", 1, 31, List.of()),
    MONTH("month", 1, 12, MONTH_NAMES),
    DAY_OF_WEEK("day-of-week", 0, 7, DAY_NAMES);

    private final String label;
    private final int min;
    private final int max;
    /** Names of the values, the first for {@code min}. */
    private final List<String> names;

    Field(String label, int min, int max, List<String> names) {
      this.label = label;
      this.min = min;
      this.max = max;
      this.names = names;
    }

    BitSet parse(String text) {
      BitSet bits = new BitSet(max + 1);
      for (String item : text.split(",", -1)) {
        parseItem(item, text, bits);
      }
      return bits;
    }

    private void parseItem(String item, String whole, BitSet bits) {
      if (item.isEmpty()) {
        throw error(whole, "empty list element");
      }
      String range = item;
      int step = 1;
      int slash = item.indexOf('/');
      if (slash >= 0) {
        range = item.substring(0, slash);
        step = number(item.substring(slash + 1), whole, "step");
        if (step < 1) {
          throw error(whole, "step must be at least 1");
        }
      }
      int from;
      int to;
      boolean isDayField = this == DAY_OF_MONTH || this == DAY_OF_WEEK;
      if (range.equals("*") || (isDayField && range.equals("?"))) {
        from = min;
        to = this == DAY_OF_WEEK ? 6 : max;
      } else {
        int dash = range.indexOf('-');
        if (dash >= 0) {
          from = value(range.substring(0, dash), whole);
          to = value(range.substring(dash + 1), whole);
          if (from > to) {
            throw error(whole, "range start " + from + " is after its end " + to);
          }
        } else {
          from = value(range, whole);
          // "a/n" runs from a to the end of the field.
          to = slash >= 0 ? (this == DAY_OF_WEEK ? 6 : max) : from;
        }
      }
      for (int v = from; v <= to; v += step) {
        bits.set(v);
      }
    }

    private int value(String text, String whole) {
      if (!names.isEmpty()) {
        int i = names.indexOf(text.toUpperCase(Locale.ROOT));
        if (i >= 0) {
          return min + i;
        }
      }
      int v = number(text, whole, "value");
      if (v < min || v > max) {
        throw error(whole, v + " is out of range " + min + "-" + max);
      }
      return v;
    }

    private int number(String text, String whole, String what) {
      if (text.isEmpty() || !text.chars().allMatch(Character::isDigit) || text.length() > 4) {
        String hint = names.isEmpty() ? "" : " or a name (" + String.join(", ", names) + ")";
        throw error(whole, "\"" + text + "\" is not a " + (what.equals("step") ? "step (a positive number)"
            : "number" + hint));
      }
      return Integer.parseInt(text);
    }

    private IllegalArgumentException error(String whole, String problem) {
      return new IllegalArgumentException(label + " field \"" + whole + "\": " + problem);
    }
  }
}
