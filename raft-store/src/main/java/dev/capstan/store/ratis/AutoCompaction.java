package dev.capstan.store.ratis;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How much MVCC history the store keeps before the Raft leader compacts it away, with etcd's
 * {@code --auto-compaction-mode} and {@code --auto-compaction-retention} semantics:
 * <ul>
 *   <li>{@link Mode#PERIODIC}: keep at least {@code retention} of history. Every peer notes its
 *       revision every {@code min(retention, 1h) / 10}; the leader compacts to the revision that was
 *       current one retention ago, first once a whole retention has passed since it started, then
 *       every {@code min(retention, 1h)}.</li>
 *   <li>{@link Mode#REVISION}: keep the last {@code retention} revisions. Every 5 minutes the
 *       leader compacts to {@code current revision - retention}.</li>
 *   <li>{@link Mode#OFF}: never compact by itself (only an explicit Compact does).</li>
 * </ul>
 * A retention of 0 turns compaction off in either mode, as in etcd.
 *
 * @param mode periodic, revision or off
 * @param period the history to keep in periodic mode (zero otherwise)
 * @param revisions the revisions to keep in revision mode (zero otherwise)
 * @param checkInterval how often the policy runs: retention/10 (periodic, at most 6 min), 5 min (revision)
 */
public record AutoCompaction(Mode mode, Duration period, long revisions, Duration checkInterval) {

  public enum Mode { OFF, PERIODIC, REVISION }

  /** Periodic mode never waits longer than this between compactions (etcd's one hour). */
  static final Duration MAX_COMPACT_INTERVAL = Duration.ofHours(1);
  /** How often revision mode checks (etcd's revInterval). */
  static final Duration REVISION_CHECK_INTERVAL = Duration.ofMinutes(5);
  private static final String MODE_FLAG = "--auto-compaction-mode";
  private static final String RETENTION_FLAG = "--auto-compaction-retention";
  private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|h|m|s)");

  public AutoCompaction {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(period, "period");
    Objects.requireNonNull(checkInterval, "checkInterval");
    if (mode == Mode.PERIODIC && period.toMillis() < 10) {
      throw new IllegalArgumentException(RETENTION_FLAG + ": a periodic retention must be at least 10ms, got " + period);
    }
    if (mode == Mode.REVISION && revisions < 1) {
      throw new IllegalArgumentException(RETENTION_FLAG + ": a revision retention must be >= 1, got " + revisions);
    }
    if (mode != Mode.OFF && checkInterval.toMillis() < 1) {
      throw new IllegalArgumentException("checkInterval must be at least 1ms, got " + checkInterval);
    }
  }

  public static AutoCompaction off() {
    return new AutoCompaction(Mode.OFF, Duration.ZERO, 0, Duration.ZERO);
  }

  /** Keeps at least {@code retention} of history. */
  public static AutoCompaction periodic(Duration retention) {
    Duration capped = retention.compareTo(MAX_COMPACT_INTERVAL) > 0 ? MAX_COMPACT_INTERVAL : retention;
    return new AutoCompaction(Mode.PERIODIC, retention, 0, capped.dividedBy(10));
  }

  /** Keeps the last {@code retention} revisions. */
  public static AutoCompaction revision(long retention) {
    return new AutoCompaction(Mode.REVISION, Duration.ZERO, retention, REVISION_CHECK_INTERVAL);
  }

  /** The same policy checked every {@code interval} instead (tests; periodic mode samples that often). */
  public AutoCompaction withCheckInterval(Duration interval) {
    return new AutoCompaction(mode, period, revisions, interval);
  }

  public boolean enabled() {
    return mode != Mode.OFF;
  }

  /**
   * Parses etcd's two flags. {@code mode} is {@code periodic} or {@code revision}; a periodic
   * {@code retention} is a duration such as {@code 5m}, {@code 1h30m} or {@code 90s}, or a bare
   * number of hours ({@code 1} = one hour, as in etcd); a revision retention is a count. "0"
   * turns compaction off. Errors name the flag.
   */
  public static AutoCompaction parse(String mode, String retention) {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(retention, "retention");
    String value = retention.trim();
    switch (mode.trim().toLowerCase(Locale.ROOT)) {
      case "periodic" -> {
        Duration period = parseDuration(value);
        return period.isZero() ? off() : periodic(period);
      }
      case "revision" -> {
        long count;
        try {
          count = Long.parseLong(value);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(RETENTION_FLAG + ": in revision mode the retention is a number of"
              + " revisions, got \"" + retention + "\"");
        }
        if (count < 0) {
          throw new IllegalArgumentException(RETENTION_FLAG + ": must not be negative, got " + count);
        }
        return count == 0 ? off() : revision(count);
      }
      default -> throw new IllegalArgumentException(MODE_FLAG + ": expected periodic or revision, got \"" + mode + "\"");
    }
  }

  private static Duration parseDuration(String value) {
    if (value.matches("\\d+")) {
      try {
        return Duration.ofHours(Long.parseLong(value));
      } catch (ArithmeticException | NumberFormatException e) {
        throw new IllegalArgumentException(RETENTION_FLAG + ": too large: " + value);
      }
    }
    Matcher part = DURATION_PART.matcher(value);
    long nanos = 0;
    int at = 0;
    while (at < value.length() && part.find(at) && part.start() == at) {
      double amount = Double.parseDouble(part.group(1));
      long unitNanos = switch (part.group(2)) {
        case "h" -> 3_600_000_000_000L;
        case "m" -> 60_000_000_000L;
        case "s" -> 1_000_000_000L;
        default -> 1_000_000L;
      };
      nanos += (long) (amount * unitNanos);
      if (nanos < 0 || amount * unitNanos >= Long.MAX_VALUE) {
        throw new IllegalArgumentException(RETENTION_FLAG + ": too large: " + value);
      }
      at = part.end();
    }
    if (value.isEmpty() || at != value.length()) {
      throw new IllegalArgumentException(RETENTION_FLAG + ": in periodic mode the retention is a duration like 5m,"
          + " 1h or 1h30m (or a number of hours), got \"" + value + "\"");
    }
    return Duration.ofNanos(nanos);
  }

  @Override
  public String toString() {
    return switch (mode) {
      case OFF -> "off";
      // PT1H30M reads as 1h30m, the way the flag is written.
      case PERIODIC -> "periodic, keeping " + period.toString().substring(2).toLowerCase(Locale.ROOT);
      case REVISION -> "revision, keeping " + revisions + " revisions";
    };
  }
}
