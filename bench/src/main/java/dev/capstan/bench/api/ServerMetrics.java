package dev.capstan.bench.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * What the driver reads from the servers' Prometheus endpoints before and after each run:
 * <ul>
 *   <li>how many store writes shared a Raft log entry, from the summary
 *       {@code capstan_store_write_batch_size} (one observation per entry a server's store sent, of
 *       the writes it carried): the writes sent over the entries sent, summed over the servers. Few
 *       writes per entry means Raft's cost per entry is paid nearly once per write;</li>
 *   <li>each server's stop-the-world collector pauses, from the JVM's {@code
 *       jvm_gc_collection_seconds} (every collector the JVM reports, summed): how many and their
 *       mean length. A server's pauses delay every request it serves and, on the Raft leader, every
 *       write, so a server with long pauses shows a high p99 of its own.</li>
 * </ul>
 */
final class ServerMetrics {
  private static final String WRITE_BATCH = "capstan_store_write_batch_size";
  private static final String GC = "jvm_gc_collection_seconds";

  /**
   * Entries and the writes they carried, summed over the servers (negative when unreadable), and
   * each server's collector pauses so far and their total length in seconds.
   */
  record Sample(double entries, double writes, double[] gcPauses, double[] gcSeconds) {}

  private final List<String> endpoints;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** @param endpoints the servers' metrics addresses, host:port; none gives no figures */
  ServerMetrics(List<String> endpoints) {
    this.endpoints = endpoints;
  }

  Sample sample() {
    double entries = 0;
    double writes = 0;
    double[] gcPauses = new double[endpoints.size()];
    double[] gcSeconds = new double[endpoints.size()];
    for (int s = 0; s < endpoints.size(); s++) {
      String endpoint = endpoints.get(s);
      String body;
      try {
        body = http.send(HttpRequest.newBuilder(URI.create("http://" + endpoint + "/metrics"))
            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the metrics of " + endpoint, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted reading the metrics of " + endpoint, e);
      }
      entries += value(body, WRITE_BATCH + "_count");
      writes += value(body, WRITE_BATCH + "_sum");
      gcPauses[s] = value(body, GC + "_count");
      gcSeconds[s] = value(body, GC + "_sum");
    }
    return endpoints.isEmpty() ? new Sample(-1, -1, gcPauses, gcSeconds) : new Sample(entries, writes, gcPauses, gcSeconds);
  }

  /** Writes per entry between two samples; NaN when unknown or no entry was sent. */
  static double writesPerEntry(Sample before, Sample after) {
    double entries = after.entries() - before.entries();
    if (before.entries() < 0 || entries <= 0) {
      return Double.NaN;
    }
    return (after.writes() - before.writes()) / entries;
  }

  /**
   * Each server's collector pauses between two samples as "count × mean ms", separated by " / "
   * ("0" for a server that paused not once); "-" when there are no servers to read.
   */
  static String gcPauses(Sample before, Sample after) {
    if (after.gcPauses().length == 0) {
      return "-";
    }
    StringBuilder out = new StringBuilder();
    for (int s = 0; s < after.gcPauses().length; s++) {
      double pauses = after.gcPauses()[s] - before.gcPauses()[s];
      double millis = (after.gcSeconds()[s] - before.gcSeconds()[s]) * 1000;
      out.append(s == 0 ? "" : " / ").append(pauses < 1 ? "0"
          : String.format(Locale.ROOT, "%.0f × %.0f", pauses, millis / pauses));
    }
    return out.toString();
  }

  /**
   * The sum of every sample called {@code name} in a Prometheus text exposition, with or without
   * labels (so all of a labelled family's series count); 0 when there is none. A sample whose name
   * merely starts with {@code name} is not one of them.
   */
  static double value(String exposition, String name) {
    double sum = 0;
    for (String line : exposition.split("\n")) {
      int end = line.startsWith(name + " ") ? name.length()
          : line.startsWith(name + "{") ? line.indexOf("} ", name.length()) + 1 : -1;
      if (end > 0) {
        sum += Double.parseDouble(line.substring(end + 1).trim().split(" ")[0]);
      }
    }
    return sum;
  }
}
