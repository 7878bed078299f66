package dev.capstan.client.cron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CronScheduleTest {
  private static final ZoneId UTC = ZoneOffset.UTC;

  private static Instant next(String schedule, String after) {
    return CronSchedule.parse(schedule).next(Instant.parse(after), UTC).orElseThrow();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      // schedule              | after                  | next
      "* * * * *               | 2026-03-04T10:15:30Z   | 2026-03-04T10:16:00Z",
      "* * * * *               | 2026-03-04T10:15:00Z   | 2026-03-04T10:16:00Z",
      "*/15 * * * *            | 2026-03-04T10:15:00Z   | 2026-03-04T10:30:00Z",
      "5-20/5 * * * *          | 2026-03-04T10:15:00Z   | 2026-03-04T10:20:00Z",
      "5-20/5 * * * *          | 2026-03-04T10:20:00Z   | 2026-03-04T11:05:00Z",
      "50/5 * * * *            | 2026-03-04T10:51:00Z   | 2026-03-04T10:55:00Z",
      "0 9,17 * * *            | 2026-03-04T10:00:00Z   | 2026-03-04T17:00:00Z",
      "0 9,17 * * *            | 2026-03-04T17:00:00Z   | 2026-03-05T09:00:00Z",
      "30 2 1 * *              | 2026-03-04T10:00:00Z   | 2026-04-01T02:30:00Z",
      "0 0 * JAN,jul *         | 2026-03-04T10:00:00Z   | 2026-07-01T00:00:00Z",
      "0 0 * * MON-FRI         | 2026-03-06T12:00:00Z   | 2026-03-09T00:00:00Z",  // Friday noon -> Monday
      "0 0 * * 7               | 2026-03-04T00:00:00Z   | 2026-03-08T00:00:00Z",  // 7 is Sunday
      "0 0 * * sun             | 2026-03-04T00:00:00Z   | 2026-03-08T00:00:00Z",
      "0 0 13 * FRI            | 2026-03-04T00:00:00Z   | 2026-03-06T00:00:00Z",  // both restricted: either matches
      "0 0 13 * ?              | 2026-03-04T00:00:00Z   | 2026-03-13T00:00:00Z",
      "0 0 29 2 *              | 2026-03-04T00:00:00Z   | 2028-02-29T00:00:00Z",
      "@hourly                 | 2026-03-04T10:15:00Z   | 2026-03-04T11:00:00Z",
      "@daily                  | 2026-03-04T10:15:00Z   | 2026-03-05T00:00:00Z",
      "@weekly                 | 2026-03-04T10:15:00Z   | 2026-03-08T00:00:00Z",
      "@monthly                | 2026-03-04T10:15:00Z   | 2026-04-01T00:00:00Z",
      "@yearly                 | 2026-03-04T10:15:00Z   | 2027-01-01T00:00:00Z",
      "59 23 31 12 *           | 2026-12-31T23:59:00Z   | 2027-12-31T23:59:00Z",
  })
  void nextFiringTime(String schedule, String after, String expected) {
    assertThat(next(schedule.strip(), after.strip())).isEqualTo(Instant.parse(expected.strip()));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "*/10 * * * *            | 2026-03-04T10:15:30Z   | 2026-03-04T10:10:00Z",
      "*/10 * * * *            | 2026-03-04T10:10:00Z   | 2026-03-04T10:10:00Z",
      "0 9 * * MON             | 2026-03-04T10:00:00Z   | 2026-03-02T09:00:00Z",
      "0 0 29 2 *              | 2026-03-04T00:00:00Z   | 2024-02-29T00:00:00Z",
  })
  void previousFiringTime(String schedule, String atOrBefore, String expected) {
    assertThat(CronSchedule.parse(schedule.strip()).previous(Instant.parse(atOrBefore.strip()), UTC).orElseThrow())
        .isEqualTo(Instant.parse(expected.strip()));
  }

  @Test
  void aScheduleIsReadInItsTimeZone() {
    CronSchedule nineAm = CronSchedule.parse("0 9 * * *");
    ZoneId berlin = ZoneId.of("Europe/Berlin");
    // Winter: UTC+1; summer: UTC+2.
    assertThat(nineAm.next(Instant.parse("2026-01-10T00:00:00Z"), berlin)).contains(Instant.parse("2026-01-10T08:00:00Z"));
    assertThat(nineAm.next(Instant.parse("2026-07-10T00:00:00Z"), berlin)).contains(Instant.parse("2026-07-10T07:00:00Z"));
  }

  @Test
  void aLocalTimeSkippedByDaylightSavingDoesNotFireThatDay() {
    // Europe/Berlin jumps from 02:00 to 03:00 on 2026-03-29.
    CronSchedule halfPastTwo = CronSchedule.parse("30 2 * * *");
    assertThat(halfPastTwo.next(Instant.parse("2026-03-28T12:00:00Z"), ZoneId.of("Europe/Berlin")))
        .contains(Instant.parse("2026-03-30T00:30:00Z"));
  }

  @Test
  void aLocalTimeRepeatedByDaylightSavingFiresOnce() {
    // Europe/Berlin goes from 03:00 back to 02:00 on 2026-10-25: 02:30 happens twice.
    CronSchedule halfPastTwo = CronSchedule.parse("30 2 * * *");
    ZoneId berlin = ZoneId.of("Europe/Berlin");
    Instant first = halfPastTwo.next(Instant.parse("2026-10-24T12:00:00Z"), berlin).orElseThrow();
    assertThat(first).isEqualTo(Instant.parse("2026-10-25T00:30:00Z"));
    assertThat(halfPastTwo.next(first, berlin)).contains(Instant.parse("2026-10-26T01:30:00Z"));
  }

  @Test
  void aScheduleThatNeverFiresHasNoNextTime() {
    assertThat(CronSchedule.parse("0 0 30 2 *").next(Instant.parse("2026-01-01T00:00:00Z"), UTC)).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "''                   | empty schedule",
      "* * * *              | expected 5 fields",
      "* * * * * *          | expected 5 fields",
      "60 * * * *           | minute field \"60\": 60 is out of range 0-59",
      "* 24 * * *           | hour field \"24\": 24 is out of range 0-23",
      "* * 0 * *            | day-of-month field \"0\": 0 is out of range 1-31",
      "* * * 13 *           | month field \"13\": 13 is out of range 1-12",
      "* * * * 8            | day-of-week field \"8\": 8 is out of range 0-7",
      "* * * FOO *          | month field \"FOO\": \"FOO\" is not a number or a name",
      "*/0 * * * *          | minute field \"*/0\": step must be at least 1",
      "*/x * * * *          | minute field \"*/x\": \"x\" is not a step",
      "10-5 * * * *         | minute field \"10-5\": range start 10 is after its end 5",
      "1,,2 * * * *         | minute field \"1,,2\": empty list element",
      "? * * * *            | minute field \"?\"",
      "@every 5m            | unknown macro",
      "CRON_TZ=UTC 0 * * * * | use spec.timeZone",
  })
  void badSchedulesAreRejectedNamingTheField(String schedule, String message) {
    assertThatThrownBy(() -> CronSchedule.parse(schedule))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }
}
