package dev.capstan.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CriLogLineTest {

  @Test
  void timestampsAreRfc3339NanoWithTrailingZerosDropped() {
    assertThat(CriLogLine.formatTimestamp(Instant.parse("2026-11-24T06:48:48.460223283Z")))
        .isEqualTo("2026-11-24T06:48:48.460223283Z");
    assertThat(CriLogLine.formatTimestamp(Instant.parse("2026-11-24T06:48:48.460000000Z")))
        .isEqualTo("2026-11-24T06:48:48.46Z");
    assertThat(CriLogLine.formatTimestamp(Instant.parse("2026-11-24T06:48:48Z")))
        .isEqualTo("2026-11-24T06:48:48Z");
  }

  @Test
  void encodesAndParsesRecords() {
    CriLogLine line = new CriLogLine(Instant.parse("2026-11-24T06:48:48.5Z"), LogStream.STDERR, false,
        "hello world".getBytes(StandardCharsets.UTF_8));
    byte[] bytes = line.encode();
    assertThat(new String(bytes, StandardCharsets.UTF_8)).isEqualTo("2026-11-24T06:48:48.5Z stderr F hello world\n");

    CriLogLine parsed = CriLogLine.parse(bytes, 0, bytes.length - 1);
    assertThat(parsed.timestamp()).isEqualTo(line.timestamp());
    assertThat(parsed.stream()).isEqualTo(LogStream.STDERR);
    assertThat(parsed.partial()).isFalse();
    assertThat(new String(parsed.message(), StandardCharsets.UTF_8)).isEqualTo("hello world");
  }

  @Test
  void parsesPartialAndEmptyRecordsWrittenByContainerd() {
    byte[] partial = "2026-11-24T06:48:48.460223283Z stdout P abc".getBytes(StandardCharsets.UTF_8);
    assertThat(CriLogLine.parse(partial, 0, partial.length).partial()).isTrue();
    byte[] empty = "2026-11-24T06:48:48Z stdout F ".getBytes(StandardCharsets.UTF_8);
    assertThat(CriLogLine.parse(empty, 0, empty.length).message()).isEmpty();
  }

  @Test
  void rejectsMalformedRecordsNamingTheProblem() {
    byte[] noStream = "2026-11-24T06:48:48Z".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> CriLogLine.parse(noStream, 0, noStream.length))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected");
    byte[] badTag = "2026-11-24T06:48:48Z stdout X hi".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> CriLogLine.parse(badTag, 0, badTag.length)).hasMessageContaining("tag");
    byte[] badStream = "2026-11-24T06:48:48Z stdin F hi".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> CriLogLine.parse(badStream, 0, badStream.length)).hasMessageContaining("stdin");
    byte[] badTime = "yesterday stdout F hi".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> CriLogLine.parse(badTime, 0, badTime.length)).hasMessageContaining("yesterday");
  }
}
