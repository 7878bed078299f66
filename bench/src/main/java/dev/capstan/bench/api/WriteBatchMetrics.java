package dev.capstan.bench.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * How many store writes shared a Raft log entry over a run, from the servers' Prometheus summary
 * {@code capstan_store_write_batch_size} (one observation per entry a server's store sent, of the
 * writes it carried): the writes sent over the entries sent, summed over the servers, between two
 * samples. Few writes per entry means Raft's cost per entry is paid nearly once per write.
 */
final class WriteBatchMetrics {
  private static final String METRIC = "capstan_store_write_batch_size";

  /** Entries and the writes they carried, summed over the servers; negative when unreadable. */
  record Sample(double entries, double writes) {}

  private final List<String> endpoints;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** @param endpoints the servers' metrics addresses, host:port; none gives no figure */
  WriteBatchMetrics(List<String> endpoints) {
    this.endpoints = endpoints;
  }

  Sample sample() {
    double entries = 0;
    double writes = 0;
    for (String endpoint : endpoints) {
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
      entries += value(body, METRIC + "_count");
      writes += value(body, METRIC + "_sum");
    }
    return endpoints.isEmpty() ? new Sample(-1, -1) : new Sample(entries, writes);
  }

  /** Writes per entry between two samples; NaN when unknown or no entry was sent. */
  static double writesPerEntry(Sample before, Sample after) {
    double entries = after.entries() - before.entries();
    if (before.entries() < 0 || entries <= 0) {
      return Double.NaN;
    }
    return (after.writes() - before.writes()) / entries;
  }

  /** The value of an unlabelled sample {@code name} in a Prometheus text exposition; 0 when absent. */
  static double value(String exposition, String name) {
    for (String line : exposition.split("\n")) {
      if (line.startsWith(name + " ")) {
        return Double.parseDouble(line.substring(name.length() + 1).trim().split(" ")[0]);
      }
    }
    return 0;
  }
}
