package dev.capstan.client.metrics;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.DistributionDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * One scrape of a registry, read back by the names the text format shows: a counter or gauge's
 * value, a histogram's observation count. For tests and diagnostics, where parsing the text
 * exposition would only add a parser to trust.
 */
public final class MetricSamples {
  private final MetricSnapshots snapshots;

  private MetricSamples(MetricSnapshots snapshots) {
    this.snapshots = snapshots;
  }

  public static MetricSamples scrape(PrometheusRegistry registry) {
    return new MetricSamples(registry.scrape());
  }

  /**
   * The value of the counter or gauge {@code name} (a counter as exposed, with {@code _total})
   * whose labels include {@code labels}, given as name, value, name, value...; empty if none.
   */
  public OptionalDouble value(String name, String... labels) {
    Optional<DataPointSnapshot> point = point(name, labels);
    if (point.isEmpty()) {
      return OptionalDouble.empty();
    }
    if (point.get() instanceof CounterDataPointSnapshot c) {
      return OptionalDouble.of(c.getValue());
    }
    if (point.get() instanceof GaugeDataPointSnapshot g) {
      return OptionalDouble.of(g.getValue());
    }
    throw new IllegalArgumentException(name + " is neither a counter nor a gauge");
  }

  /** How many observations the histogram {@code name} with these labels holds; 0 if none. */
  public long count(String name, String... labels) {
    return point(name, labels).map(p -> {
      if (p instanceof DistributionDataPointSnapshot d) {
        return d.getCount();
      }
      throw new IllegalArgumentException(name + " is not a histogram or summary");
    }).orElse(0L);
  }

  private Optional<DataPointSnapshot> point(String name, String... labels) {
    if (labels.length % 2 != 0) {
      throw new IllegalArgumentException("labels: name, value pairs expected, got " + labels.length + " strings");
    }
    // A counter's snapshot is named without the _total the text format adds.
    String base = name.endsWith("_total") ? name.substring(0, name.length() - "_total".length()) : name;
    for (MetricSnapshot s : snapshots) {
      String n = s.getMetadata().getPrometheusName();
      if (!n.equals(name) && !n.equals(base)) {
        continue;
      }
      for (DataPointSnapshot p : s.getDataPoints()) {
        if (matches(p.getLabels(), labels)) {
          return Optional.of(p);
        }
      }
    }
    return Optional.empty();
  }

  private static boolean matches(Labels have, String[] want) {
    for (int i = 0; i < want.length; i += 2) {
      if (!want[i + 1].equals(have.get(want[i]))) {
        return false;
      }
    }
    return true;
  }
}
