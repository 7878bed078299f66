package dev.capstan.store.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.store.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The automatic compaction policy and its flags, on a fake clock. */
class AutoCompactorTest {

  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

  /** What one run of ticks decided: the minute of each compaction and its target. */
  private record Compaction(long minute, long revision) {}

  /**
   * Ticks every check interval for {@code minutes}, the revision growing by one per minute
   * (revision = 1000 + minute), leader throughout; every answer is taken as done.
   */
  private List<Compaction> run(AutoCompactor compactor, long minutes) {
    List<Compaction> done = new ArrayList<>();
    Instant start = clock.instant();
    long compactRevision = 0;
    while (true) {
      clock.advance(compactor.policy().checkInterval());
      long minute = Duration.between(start, clock.instant()).toMinutes();
      if (minute > minutes) {
        return done;
      }
      OptionalLong target = compactor.tick(1000 + minute, compactRevision, true);
      if (target.isPresent()) {
        done.add(new Compaction(minute, target.getAsLong()));
        compactRevision = target.getAsLong();
        compactor.compacted(target.getAsLong());
      }
    }
  }

  @Test
  void periodicOneHourCompactsEveryHourToTheRevisionOfAnHourAgo() {
    AutoCompactor compactor = new AutoCompactor(AutoCompaction.periodic(Duration.ofHours(1)), clock);
    assertThat(compactor.policy().checkInterval()).isEqualTo(Duration.ofMinutes(6));
    // The first sample is at minute 6, so the first horizon it covers is reached at minute 66.
    assertThat(run(compactor, 190)).containsExactly(
        new Compaction(66, 1006), new Compaction(126, 1066), new Compaction(186, 1126));
  }

  @Test
  void periodicBeyondAnHourWaitsOneRetentionThenCompactsHourlyKeepingTheWholeRetention() {
    AutoCompactor compactor = new AutoCompactor(AutoCompaction.periodic(Duration.ofHours(5)), clock);
    assertThat(compactor.policy().checkInterval()).isEqualTo(Duration.ofMinutes(6));
    List<Compaction> done = run(compactor, 8 * 60);
    assertThat(done).extracting(Compaction::minute).containsExactly(306L, 366L, 426L);
    // Each target is the revision of five hours before: history of the whole retention stays.
    assertThat(done).allSatisfy(c -> assertThat(c.revision()).isEqualTo(1000 + c.minute() - 300));
  }

  @Test
  void periodicShortRetentionChecksEveryTenthOfIt() {
    AutoCompactor compactor = new AutoCompactor(AutoCompaction.periodic(Duration.ofMinutes(10)), clock);
    assertThat(compactor.policy().checkInterval()).isEqualTo(Duration.ofMinutes(1));
    List<Compaction> done = run(compactor, 35);
    assertThat(done).containsExactly(new Compaction(11, 1001), new Compaction(21, 1011), new Compaction(31, 1021));
  }

  @Test
  void aFollowerSamplesButNeverCompactsAndANewLeaderCompactsAtOnce() {
    AutoCompactor compactor = new AutoCompactor(AutoCompaction.periodic(Duration.ofMinutes(10)), clock);
    for (int minute = 1; minute <= 30; minute++) {
      clock.advance(Duration.ofMinutes(1));
      assertThat(compactor.tick(1000 + minute, 0, false)).isEmpty();
    }
    clock.advance(Duration.ofMinutes(1));
    // Leader now: what it sampled as a follower ten minutes ago is the target.
    assertThat(compactor.tick(1031, 0, true)).hasValue(1021);
  }

  @Test
  void nothingAtOrBelowTheStoresCompactionPointAndNothingTwice() {
    AutoCompactor compactor = new AutoCompactor(AutoCompaction.periodic(Duration.ofMinutes(10)), clock);
    for (int minute = 1; minute <= 11; minute++) {
      clock.advance(Duration.ofMinutes(1));
      compactor.tick(1000 + minute, 0, false);
    }
    clock.advance(Duration.ofMinutes(1));
    assertThat(compactor.tick(1012, 5000, true)).as("a manual compaction went further").isEmpty();
    clock.advance(Duration.ofMinutes(1));
    // An idle store: the revision of ten minutes ago is the one already compacted to.
    AutoCompactor idle = new AutoCompactor(AutoCompaction.revision(10).withCheckInterval(Duration.ofMinutes(5)), clock);
    assertThat(idle.tick(50, 0, true)).hasValue(40);
    idle.compacted(40);
    assertThat(idle.tick(50, 40, true)).isEmpty();
  }

  @Test
  void revisionModeKeepsTheLastRetentionRevisions() {
    AutoCompactor compactor = new AutoCompactor(AutoCompaction.revision(100), clock);
    assertThat(compactor.policy().checkInterval()).isEqualTo(Duration.ofMinutes(5));
    assertThat(compactor.tick(80, 0, true)).as("fewer revisions than the retention").isEmpty();
    assertThat(compactor.tick(250, 0, false)).as("not the leader").isEmpty();
    assertThat(compactor.tick(250, 0, true)).hasValue(150);
    compactor.compacted(150);
    assertThat(compactor.tick(250, 150, true)).isEmpty();
    assertThat(compactor.tick(260, 150, true)).hasValue(160);
  }

  @Test
  void offNeverCompacts() {
    AutoCompactor compactor = new AutoCompactor(AutoCompaction.off(), clock);
    clock.advance(Duration.ofDays(30));
    assertThat(compactor.tick(1_000_000, 0, true)).isEmpty();
  }

  @Test
  void flagsParseLikeEtcds() {
    assertThat(AutoCompaction.parse("periodic", "5m")).isEqualTo(AutoCompaction.periodic(Duration.ofMinutes(5)));
    assertThat(AutoCompaction.parse("periodic", "1h30m").period()).isEqualTo(Duration.ofMinutes(90));
    assertThat(AutoCompaction.parse("periodic", "90s").period()).isEqualTo(Duration.ofSeconds(90));
    assertThat(AutoCompaction.parse("periodic", "1.5h").period()).isEqualTo(Duration.ofMinutes(90));
    assertThat(AutoCompaction.parse("periodic", "500ms").period()).isEqualTo(Duration.ofMillis(500));
    assertThat(AutoCompaction.parse("Periodic", "2").period()).as("a bare number is hours").isEqualTo(Duration.ofHours(2));
    assertThat(AutoCompaction.parse("periodic", "0").enabled()).isFalse();
    assertThat(AutoCompaction.parse("periodic", "0s").enabled()).isFalse();
    assertThat(AutoCompaction.parse("revision", "1000")).isEqualTo(AutoCompaction.revision(1000));
    assertThat(AutoCompaction.parse("revision", "0").enabled()).isFalse();
  }

  @Test
  void badFlagsNameTheFlag() {
    assertThatThrownBy(() -> AutoCompaction.parse("hourly", "1h"))
        .hasMessageStartingWith("--auto-compaction-mode: expected periodic or revision");
    assertThatThrownBy(() -> AutoCompaction.parse("periodic", "5 minutes"))
        .hasMessageStartingWith("--auto-compaction-retention: in periodic mode the retention is a duration");
    assertThatThrownBy(() -> AutoCompaction.parse("periodic", ""))
        .hasMessageStartingWith("--auto-compaction-retention:");
    assertThatThrownBy(() -> AutoCompaction.parse("periodic", "-5m"))
        .hasMessageStartingWith("--auto-compaction-retention:");
    assertThatThrownBy(() -> AutoCompaction.parse("periodic", "1ms"))
        .hasMessageStartingWith("--auto-compaction-retention: a periodic retention must be at least 10ms");
    assertThatThrownBy(() -> AutoCompaction.parse("revision", "1h"))
        .hasMessageStartingWith("--auto-compaction-retention: in revision mode the retention is a number");
    assertThatThrownBy(() -> AutoCompaction.parse("revision", "-3"))
        .hasMessageStartingWith("--auto-compaction-retention: must not be negative");
    assertThatThrownBy(() -> AutoCompaction.parse("periodic", "99999999999999h"))
        .hasMessageStartingWith("--auto-compaction-retention: too large");
  }
}
