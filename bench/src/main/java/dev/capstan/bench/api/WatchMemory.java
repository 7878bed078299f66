package dev.capstan.bench.api;

import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.meta.v1.ListRequest;
import dev.capstan.api.meta.v1.WatchRequest;
import dev.capstan.bench.store.LatencyRecorder;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.ClientTls;
import dev.capstan.client.WatchEvent;
import dev.capstan.client.WatchHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Server memory with many pods and watchers, then watch fan-out on those watchers.
 *
 * <ol>
 *   <li>Resident set (VmRSS) of every server, idle after the warm-up.
 *   <li>{@code pods} pods created in namespace bench-mem (32 in flight, spread over the servers); RSS.
 *   <li>{@code watchers} watches on bench-mem from the current resourceVersion, spread over the
 *       servers, one client connection per 50 watchers; a sentinel update that every watcher must
 *       receive proves that all are established; RSS.
 *   <li>Fan-out: {@code updates} label changes on distinct pods from 16 closed-loop writers, each
 *       carrying its send time; measured until every watcher has received every update.
 * </ol>
 * After each RSS reading, the servers' heap in use after a full collection (jcmd) is read as well.
 */
final class WatchMemory {
  private final List<Server> servers;
  private final List<CapstanClient> clients;
  private final String token;
  private final ClientTls tls;
  private final int pods;
  private final int watchers;
  private final int updates;

  WatchMemory(List<Server> servers, List<CapstanClient> clients, String token, ClientTls tls, int pods, int watchers, int updates) {
    this.servers = servers;
    this.clients = clients;
    this.token = token;
    this.tls = tls;
    this.pods = pods;
    this.watchers = watchers;
    this.updates = Math.min(updates, pods - 1);
  }

  private final class OneWatcher implements WatchHandler<Pod> {
    final AtomicInteger seen = new AtomicInteger();
    volatile boolean closing;
    final LatencyRecorder delays = new LatencyRecorder();
    final AtomicLong lastDelivery;
    final AtomicLong errors;
    final AtomicReference<String> firstError;

    OneWatcher(AtomicLong lastDelivery, AtomicLong errors, AtomicReference<String> firstError) {
      this.lastDelivery = lastDelivery;
      this.errors = errors;
      this.firstError = firstError;
    }

    @Override
    public void onEvent(WatchEvent<Pod> e) {
      long now = System.nanoTime();
      if (!e.type().equals(WatchEvent.MODIFIED)) {
        return;
      }
      String sent = e.object().getMetadata().getLabelsMap().get("bench-sent");
      if (sent != null) {
        synchronized (delays) {
          delays.record(now - Long.parseLong(sent));
        }
      }
      lastDelivery.accumulateAndGet(now, Math::max);
      seen.incrementAndGet();
    }

    @Override
    public void onClose(Throwable error) {
      if (error != null && !closing) {
        errors.incrementAndGet();
        firstError.compareAndSet("", error.toString());
      }
    }
  }

  String run() throws Exception {
    int n = servers.size();
    long[] rssIdle = new long[n];
    long[] rssPods = new long[n];
    long[] rssWatch = new long[n];
    long[] heapIdle = new long[n];
    long[] heapPods = new long[n];
    long[] heapWatch = new long[n];
    System.err.println("memory: idle ...");
    read(rssIdle, heapIdle);
    System.err.printf("memory: creating %d pods ...%n", pods);
    long t0 = System.nanoTime();
    List<Pod> created = ApiBench.createPods(clients, "bench-mem", "m-", pods);
    double createSeconds = (System.nanoTime() - t0) / 1e9;
    read(rssPods, heapPods);

    System.err.printf("memory: opening %d watchers ...%n", watchers);
    String rv = clients.get(0).pods().listPage(ListRequest.newBuilder().setNamespace("bench-mem").setLimit(1).build())
        .resourceVersion();
    AtomicLong lastDelivery = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicReference<String> firstError = new AtomicReference<>("");
    List<CapstanClient> watchClients = new ArrayList<>();
    List<OneWatcher> all = new ArrayList<>();
    List<AutoCloseable> handles = new ArrayList<>();
    CapstanClient[] open = new CapstanClient[n];
    for (int w = 0; w < watchers; w++) {
      int server = w % n;
      if ((w / n) % 50 == 0) {
        // a new connection for every 50 watchers of a server
        open[server] = CapstanClient.connect(servers.get(server).address(), token, tls);
        watchClients.add(open[server]);
      }
      CapstanClient c = open[server];
      OneWatcher h = new OneWatcher(lastDelivery, errors, firstError);
      all.add(h);
      handles.add(c.pods().watch(WatchRequest.newBuilder().setNamespace("bench-mem").setResourceVersion(rv).build(), h));
    }
    Pod sentinel = created.get(0);
    created.set(0, clients.get(0).pods().update(sentinel.toBuilder()
        .setMetadata(sentinel.getMetadata().toBuilder().putLabels("bench-sync", "1")).build()));
    long establishedBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (all.stream().anyMatch(h -> h.seen.get() < 1) && System.nanoTime() < establishedBy && errors.get() == 0) {
      Thread.sleep(50);
    }
    long established = all.stream().filter(h -> h.seen.get() >= 1).count();
    read(rssWatch, heapWatch);

    System.err.printf("watch fan-out: %d updates to %d watchers ...%n", updates, watchers);
    long start = System.nanoTime();
    List<Thread> writers = new ArrayList<>();
    AtomicInteger next = new AtomicInteger(1);
    AtomicLong writeErrors = new AtomicLong();
    for (int t = 0; t < 16; t++) {
      CapstanClient c = clients.get(t % n);
      writers.add(new Thread(() -> {
        for (int i = next.getAndIncrement(); i <= updates; i = next.getAndIncrement()) {
          Pod p = created.get(i);
          try {
            c.pods().update(p.toBuilder().setMetadata(p.getMetadata().toBuilder()
                .putLabels("bench-sent", Long.toString(System.nanoTime()))).build());
          } catch (RuntimeException e) {
            writeErrors.incrementAndGet();
            firstError.compareAndSet("", "update: " + e);
          }
        }
      }, "fanout-writer-" + t));
    }
    writers.forEach(Thread::start);
    for (Thread t : writers) {
      t.join();
    }
    double writeSeconds = (System.nanoTime() - start) / 1e9;
    long expected = 1L + updates - writeErrors.get();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (all.stream().anyMatch(h -> h.seen.get() < expected) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    long complete = all.stream().filter(h -> h.seen.get() >= expected).count();
    long delivered = all.stream().mapToLong(h -> h.seen.get() - 1).sum();
    double seconds = (lastDelivery.get() - start) / 1e9;
    LatencyRecorder delays = LatencyRecorder.merge(all.stream().map(h -> h.delays).toList());
    all.forEach(h -> h.closing = true);
    for (AutoCloseable h : handles) {
      h.close();
    }
    watchClients.forEach(CapstanClient::close);

    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "### Memory: %d pods (%d B each as protobuf), then %d watchers%n%n",
        pods, created.get(1).getSerializedSize(), watchers));
    out.append("| server | RSS idle (MiB) | RSS + pods (MiB) | RSS + pods + watchers (MiB) | RSS growth per 10,000 pods, "
        + "with watchers (MiB) | live heap idle / + pods / + watchers (MiB) |\n|---|---|---|---|---|---|\n");
    for (int i = 0; i < n; i++) {
      out.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.0f | %.0f | %s / %s / %s |%n", servers.get(i).address(),
          rssIdle[i] / 1024.0, rssPods[i] / 1024.0, rssWatch[i] / 1024.0,
          (rssWatch[i] - rssIdle[i]) / 1024.0 * 10_000 / pods, mib(heapIdle[i]), mib(heapPods[i]), mib(heapWatch[i])));
    }
    out.append(String.format(Locale.ROOT, "%nCreating the %d pods (32 in flight) took %.1f s (%.0f pods/s). "
        + "%d of %d watchers established.%n%n", pods, createSeconds, pods / createSeconds, established, watchers));
    out.append(String.format(Locale.ROOT, "### Watch fan-out: %d watchers on one namespace, %d updates%n%n", watchers, updates));
    out.append("| measure | value |\n|---|---|\n");
    out.append(String.format(Locale.ROOT, "| updates written in (16 writers) | %.2f s |%n", writeSeconds));
    out.append(String.format(Locale.ROOT, "| first update sent to last event delivered | %.2f s |%n", seconds));
    out.append(String.format(Locale.ROOT, "| events delivered | %d of %d |%n", delivered, (long) watchers * (expected - 1)));
    out.append(String.format(Locale.ROOT, "| delivered per second | %.0f events/s |%n", delivered / seconds));
    out.append(String.format(Locale.ROOT, "| update sent to event received, p50 / p99 / max | %.1f / %.1f / %.1f ms |%n",
        delays.millisAt(0.5), delays.millisAt(0.99), delays.millisAt(1.0)));
    out.append(String.format(Locale.ROOT, "| watchers with every event | %d of %d |%n", complete, watchers));
    out.append(String.format(Locale.ROOT, "| watch stream errors, update errors | %d, %d |%n", errors.get(), writeErrors.get()));
    if (!firstError.get().isEmpty()) {
      out.append("\nfirst error: ").append(firstError.get()).append('\n');
    }
    out.append('\n');
    return out.toString();
  }

  private void read(long[] rss, long[] heap) throws Exception {
    for (int i = 0; i < servers.size(); i++) {
      long pid = servers.get(i).pid();
      rss[i] = pid > 0 ? Memory.residentKiB(pid) : -1;
    }
    for (int i = 0; i < servers.size(); i++) {
      long pid = servers.get(i).pid();
      heap[i] = pid > 0 ? Memory.liveHeapKiB(pid) : -1;
    }
  }

  private static String mib(long kib) {
    return kib < 0 ? "-" : String.format(Locale.ROOT, "%.0f", kib / 1024.0);
  }
}
