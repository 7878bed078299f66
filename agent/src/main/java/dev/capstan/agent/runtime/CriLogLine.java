package dev.capstan.agent.runtime;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Arrays;

/**
 * One record of a container log file in CRI format:
 * {@code <RFC3339Nano timestamp> <stdout|stderr> <F|P> <message>\n}. {@code F} marks the end of a
 * line; {@code P} a part of a longer line that continues in the next record. The message is raw
 * bytes (usually UTF-8) without the newline.
 *
 * @param timestamp when the runtime read the bytes
 * @param stream which stream they came from
 * @param partial true for {@code P} records
 * @param message the bytes, without a trailing newline
 */
public record CriLogLine(Instant timestamp, LogStream stream, boolean partial, byte[] message) {

  /** Lines longer than this are split into partial records, as containerd does. */
  public static final int MAX_RECORD_BYTES = 16 * 1024;

  private static final DateTimeFormatter SECONDS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);

  public CriLogLine {
    if (timestamp == null || stream == null || message == null) {
      throw new IllegalArgumentException("timestamp, stream and message are required");
    }
  }

  /** The record's bytes including the trailing newline. */
  public byte[] encode() {
    byte[] header = (formatTimestamp(timestamp) + " " + stream.criName() + " " + (partial ? "P" : "F") + " ")
        .getBytes(StandardCharsets.US_ASCII);
    byte[] out = Arrays.copyOf(header, header.length + message.length + 1);
    System.arraycopy(message, 0, out, header.length, message.length);
    out[out.length - 1] = '\n';
    return out;
  }

  /**
   * Parses one record, given without its trailing newline.
   *
   * @throws IllegalArgumentException naming what is malformed
   */
  public static CriLogLine parse(byte[] buf, int offset, int length) {
    int end = offset + length;
    int s1 = indexOf(buf, offset, end, (byte) ' ');
    int s2 = s1 < 0 ? -1 : indexOf(buf, s1 + 1, end, (byte) ' ');
    if (s2 < 0) {
      throw new IllegalArgumentException("CRI log line: expected \"<time> <stream> <tag> <message>\"");
    }
    String time = new String(buf, offset, s1 - offset, StandardCharsets.US_ASCII);
    LogStream stream = LogStream.fromCriName(new String(buf, s1 + 1, s2 - s1 - 1, StandardCharsets.US_ASCII));
    // The tag is "F" or "P", possibly followed by ":"-separated extensions; the message follows one space.
    int s3 = indexOf(buf, s2 + 1, end, (byte) ' ');
    int tagEnd = s3 < 0 ? end : s3;
    String tag = new String(buf, s2 + 1, tagEnd - s2 - 1, StandardCharsets.US_ASCII);
    boolean partial = tag.startsWith("P");
    if (!partial && !tag.startsWith("F")) {
      throw new IllegalArgumentException("CRI log line: tag must be F or P, got \"" + tag + "\"");
    }
    byte[] message = s3 < 0 ? new byte[0] : Arrays.copyOfRange(buf, s3 + 1, end);
    return new CriLogLine(parseTimestamp(time), stream, partial, message);
  }

  /** RFC 3339 with nanoseconds in UTC, trailing zeros of the fraction dropped (Go's RFC3339Nano). */
  public static String formatTimestamp(Instant t) {
    StringBuilder sb = new StringBuilder(SECONDS.format(t));
    int nanos = t.getNano();
    if (nanos != 0) {
      String frac = String.format("%09d", nanos);
      int len = frac.length();
      while (frac.charAt(len - 1) == '0') {
        len--;
      }
      sb.append('.').append(frac, 0, len);
    }
    return sb.append('Z').toString();
  }

  public static Instant parseTimestamp(String text) {
    try {
      return OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("CRI log line: bad timestamp \"" + text + "\"", e);
    }
  }

  private static int indexOf(byte[] buf, int from, int end, byte b) {
    for (int i = from; i < end; i++) {
      if (buf[i] == b) {
        return i;
      }
    }
    return -1;
  }
}
