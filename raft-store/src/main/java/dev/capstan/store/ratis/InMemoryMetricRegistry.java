package dev.capstan.store.ratis;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.apache.ratis.metrics.LongCounter;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.Timekeeper;

/** One Ratis component's metrics: counters, gauges, and timers as count plus total nanoseconds. */
public final class InMemoryMetricRegistry implements RatisMetricRegistry {

  private final MetricRegistryInfo info;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();
  private final Map<String, Supplier<?>> gauges = new ConcurrentHashMap<>();

  InMemoryMetricRegistry(MetricRegistryInfo info) {
    this.info = info;
  }

  @Override
  public Timekeeper timer(String name) {
    return timers.computeIfAbsent(name, n -> new Timer());
  }

  @Override
  public LongCounter counter(String name) {
    return counters.computeIfAbsent(name, n -> new Counter());
  }

  @Override
  public boolean remove(String name) {
    return counters.remove(name) != null | timers.remove(name) != null | gauges.remove(name) != null;
  }

  @Override
  public <T> void gauge(String name, Supplier<Supplier<T>> gaugeSupplier) {
    gauges.put(name, gaugeSupplier.get());
  }

  @Override
  public MetricRegistryInfo getMetricRegistryInfo() {
    return info;
  }

  /** Current counter values by name. */
  public Map<String, Long> counterValues() {
    Map<String, Long> values = new java.util.TreeMap<>();
    counters.forEach((name, counter) -> values.put(name, counter.getCount()));
    return values;
  }

  /** Current gauge values by name (each read now). */
  public Map<String, Object> gaugeValues() {
    Map<String, Object> values = new java.util.TreeMap<>();
    gauges.forEach((name, gauge) -> values.put(name, gauge.get()));
    return values;
  }

  /** Timer observations by name: {count, total nanoseconds}. */
  public Map<String, long[]> timerValues() {
    Map<String, long[]> values = new java.util.TreeMap<>();
    timers.forEach((name, timer) -> values.put(name, new long[] {timer.count.sum(), timer.totalNanos.sum()}));
    return values;
  }

  private static final class Counter implements LongCounter {
    private final LongAdder value = new LongAdder();

    @Override
    public void inc(long n) {
      value.add(n);
    }

    @Override
    public void dec(long n) {
      value.add(-n);
    }

    @Override
    public long getCount() {
      return value.sum();
    }
  }

  private static final class Timer implements Timekeeper {
    private final LongAdder count = new LongAdder();
    private final LongAdder totalNanos = new LongAdder();

    @Override
    public Context time() {
      long start = System.nanoTime();
      return () -> {
        long elapsed = System.nanoTime() - start;
        count.increment();
        totalNanos.add(elapsed);
        return elapsed;
      };
    }
  }
}
