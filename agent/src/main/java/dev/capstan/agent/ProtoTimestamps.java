package dev.capstan.agent;

import com.google.protobuf.Timestamp;
import java.time.Instant;

/** Converts between {@link Instant} and protobuf {@link Timestamp}. */
public final class ProtoTimestamps {
  private ProtoTimestamps() {}

  public static Timestamp of(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }

  public static Instant toInstant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }
}
