package dev.capstan.store.ratis;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.util.TimeDuration;

/**
 * Ratis' metrics, kept in memory: Ratis requires a {@link MetricRegistries} implementation on the
 * class path (found through {@link java.util.ServiceLoader}), and its default one pulls in
 * Dropwizard. This one keeps counters, gauges and timer totals that a Prometheus exporter can
 * read through {@link #getMetricRegistries()}; JMX and console reporters are not supported.
 */
public final class InMemoryMetricRegistries extends MetricRegistries {

  private final Map<MetricRegistryInfo, InMemoryMetricRegistry> registries = new ConcurrentHashMap<>();
  private final List<Consumer<RatisMetricRegistry>> reporters = new CopyOnWriteArrayList<>();

  @Override
  public void clear() {
    registries.clear();
  }

  @Override
  public RatisMetricRegistry create(MetricRegistryInfo info) {
    return registries.computeIfAbsent(info, key -> {
      InMemoryMetricRegistry registry = new InMemoryMetricRegistry(key);
      reporters.forEach(reporter -> reporter.accept(registry));
      return registry;
    });
  }

  @Override
  public boolean remove(MetricRegistryInfo key) {
    return registries.remove(key) != null;
  }

  @Override
  public Optional<RatisMetricRegistry> get(MetricRegistryInfo info) {
    return Optional.ofNullable(registries.get(info));
  }

  @Override
  public Set<MetricRegistryInfo> getMetricRegistryInfos() {
    return Set.copyOf(registries.keySet());
  }

  @Override
  public Collection<RatisMetricRegistry> getMetricRegistries() {
    return List.copyOf(registries.values());
  }

  @Override
  public void addReporterRegistration(Consumer<RatisMetricRegistry> reporterRegistration,
      Consumer<RatisMetricRegistry> stopReporter) {
    reporters.add(reporterRegistration);
  }

  @Override
  public void enableJmxReporter() {
    // Not supported: metrics are exported by Capstan's own endpoint.
  }

  @Override
  public void enableConsoleReporter(TimeDuration consoleReportRate) {
    // Not supported: metrics are exported by Capstan's own endpoint.
  }
}
