package dev.capstan.bench.store;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Watch fan-out: {@code watchers} watches on one prefix, then {@code events} puts under it from
 * 16 writers. Measures the time from the first put until every watcher has seen every event,
 * the delivered events per second, and the p99 of put-to-delivery delay (the put's send time is
 * carried in its value).
 */
final class WatchFanOut {
  private final int watchers;
  private final int events;

  WatchFanOut(int watchers, int events) {
    this.watchers = watchers;
    this.events = events;
  }

  List<ScenarioResult> run(Client client, Target target, String prefix) throws Exception {
    ByteSequence pfx = ByteSequence.from(prefix.getBytes(StandardCharsets.UTF_8));
    CountDownLatch allSeen = new CountDownLatch(watchers);
    CountDownLatch allCreated = new CountDownLatch(watchers);
    List<Watch.Watcher> handles = new ArrayList<>();
    List<LatencyRecorder> delays = new ArrayList<>();
    AtomicLong errors = new AtomicLong();
    // One jetcd client per 25 watchers, as many apiservers or controllers would hold.
    List<Client> watchClients = new ArrayList<>();
    for (int w = 0; w < watchers; w++) {
      if (w % 25 == 0) {
        watchClients.add(Client.builder().endpoints(target.endpoints().toArray(String[]::new)).build());
      }
      Client wc = watchClients.get(watchClients.size() - 1);
      LatencyRecorder delay = new LatencyRecorder();
      delays.add(delay);
      int[] seen = {0};
      handles.add(wc.getWatchClient().watch(pfx, WatchOption.builder().isPrefix(true).withCreateNotify(true).build(), Watch.listener(resp -> {
        long now = System.nanoTime();
        if (resp.isCreatedNotify()) {
          allCreated.countDown();
          return;
        }
        synchronized (delay) {
          resp.getEvents().forEach(e -> delay.record(now - Long.parseLong(e.getKeyValue().getValue().toString())));
          seen[0] += resp.getEvents().size();
          if (seen[0] == events) {
            allSeen.countDown();
          }
        }
      }, t -> errors.incrementAndGet())));
    }
    // Every watch must be created before the first put, or it would miss events.
    if (!allCreated.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException(target.name() + ": " + allCreated.getCount() + " watches not created in 60 s");
    }
    long start = System.nanoTime();
    List<Thread> writers = new ArrayList<>();
    int perWriter = events / 16;
    for (int w = 0; w < 16; w++) {
      int writer = w;
      writers.add(new Thread(() -> {
        for (int i = 0; i < perWriter; i++) {
          ByteSequence key = ByteSequence.from((prefix + writer + "/" + i).getBytes());
          try {
            client.getKVClient().put(key, ByteSequence.from(Long.toString(System.nanoTime()).getBytes())).get();
          } catch (Exception e) {
            errors.incrementAndGet();
            return;
          }
        }
      }));
    }
    writers.forEach(Thread::start);
    for (Thread t : writers) {
      t.join();
    }
    boolean complete = allSeen.await(120, TimeUnit.SECONDS);
    double seconds = (System.nanoTime() - start) / 1e9;
    handles.forEach(Watch.Watcher::close);
    watchClients.forEach(Client::close);
    if (!complete || errors.get() > 0) {
      throw new IllegalStateException(target.name() + ": watch fan-out incomplete: " + allSeen.getCount()
          + " watchers short of " + events + " events, " + errors.get() + " errors");
    }
    LatencyRecorder all = LatencyRecorder.merge(delays);
    String name = "watch fan-out, " + watchers + " watchers x " + events + " events";
    return List.of(
        new ScenarioResult(name, target.name(), "all delivered in", seconds, "s"),
        new ScenarioResult(name, target.name(), "delivered", (double) watchers * events / seconds, "events/s"),
        new ScenarioResult(name, target.name(), "put-to-delivery p50", all.millisAt(0.50), "ms"),
        new ScenarioResult(name, target.name(), "put-to-delivery p99", all.millisAt(0.99), "ms"));
  }
}
