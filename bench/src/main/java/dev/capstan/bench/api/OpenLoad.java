package dev.capstan.bench.api;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import dev.capstan.bench.store.ContextSwitches;
import dev.capstan.bench.store.LatencyRecorder;
import dev.capstan.bench.store.MachineCpu;
import dev.capstan.bench.store.ProcessCpu;
import dev.capstan.bench.store.ThreadCpu;
import dev.capstan.client.CapstanClient;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Open-loop load at a fixed rate: request {@code i} is due at {@code start + i / rate}, is sent
 * asynchronously at that moment whether or not earlier requests have completed, and its latency
 * is measured from that intended send time to its completion. A server stall therefore shows up
 * as the latency of every request that was due during it (no coordinated omission), instead of
 * silently lowering the rate as a closed loop would. Request {@code i} goes to server
 * {@code i mod servers}.
 */
final class OpenLoad {
  /** Sends request {@code i} through {@code client} and returns its completion. */
  interface Request {
    ListenableFuture<?> send(int i, CapstanClient client);
  }

  /** What one run measured; latencies in milliseconds. */
  record Result(String verb, double targetRate, double seconds, int sent, long ok, long errors, double achievedRate,
      double p50, double p99, double max, String firstError, double[] p99PerServer, double maxSendLag,
      double[] cpuMillisPerRequest, double driverCpuMillisPerRequest, double switchesPerRequest,
      double machineIdlePercent, Map<String, Double> switchesPerRequestByGroup,
      Map<String, Double> cpuMillisPerRequestByGroup) {}

  private OpenLoad() {}

  /**
   * @param pids the servers' processes, whose CPU time over the run (from the first send until the
   *     last answer) is reported per request, each server's and all together, and their threads'
   *     context switches and CPU per request by thread group, all together; empty when unknown.
   *     The machine's idle share over the run is reported too.
   */
  static Result run(String verb, double rate, double seconds, List<CapstanClient> clients, List<Long> pids,
      Request request) throws InterruptedException {
    int n = Math.max(1, (int) Math.round(rate * seconds));
    long period = Math.round(1e9 / rate);
    LatencyRecorder latencies = new LatencyRecorder();
    List<LatencyRecorder> perServer = new java.util.ArrayList<>();
    clients.forEach(c -> perServer.add(new LatencyRecorder()));
    long maxSendLag = 0;
    AtomicLong ok = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicReference<String> firstError = new AtomicReference<>("");
    AtomicLong lastDone = new AtomicLong();
    CountDownLatch done = new CountDownLatch(n);
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
    double[] cpuBefore = pids.stream().mapToDouble(pid -> ProcessCpu.seconds(List.of(pid))).toArray();
    Map<Long, Long> switchesBefore = ContextSwitches.read(pids);
    Map<Long, Double> threadCpuBefore = pids.isEmpty() ? null : ThreadCpu.sample(pids);
    MachineCpu.Sample machineBefore = MachineCpu.sample();
    // The driver shares the machine with the servers: what it burns (sending, TLS, its own JIT)
    // is CPU the servers did not have.
    List<Long> driver = List.of(ProcessHandle.current().pid());
    double driverBefore = ProcessCpu.seconds(driver);
    for (int i = 0; i < n; i++) {
      long intended = start + i * period;
      for (long wait = intended - System.nanoTime(); wait > 0; wait = intended - System.nanoTime()) {
        LockSupport.parkNanos(wait);
      }
      // how late the driver itself sends: a stall of the driver shows here, not only in latencies
      maxSendLag = Math.max(maxSendLag, System.nanoTime() - intended);
      LatencyRecorder mine = perServer.get(i % clients.size());
      ListenableFuture<?> f;
      try {
        f = request.send(i, clients.get(i % clients.size()));
      } catch (RuntimeException e) {
        f = Futures.immediateFailedFuture(e);
      }
      Futures.addCallback(f, new FutureCallback<Object>() {
        @Override
        public void onSuccess(Object result) {
          complete(true, null);
        }

        @Override
        public void onFailure(Throwable t) {
          complete(false, t);
        }

        private void complete(boolean success, Throwable t) {
          long now = System.nanoTime();
          synchronized (latencies) {
            latencies.record(now - intended);
            mine.record(now - intended);
          }
          if (success) {
            ok.incrementAndGet();
          } else {
            errors.incrementAndGet();
            firstError.compareAndSet("", String.valueOf(t));
          }
          lastDone.accumulateAndGet(now, Math::max);
          done.countDown();
        }
      }, MoreExecutors.directExecutor());
    }
    if (!done.await(120, TimeUnit.SECONDS)) {
      throw new IllegalStateException(verb + " at " + rate + "/s: " + done.getCount() + " requests unanswered after 120 s");
    }
    double driverCpuMillisPerRequest = (ProcessCpu.seconds(driver) - driverBefore) * 1000 / n;
    Map<Long, Long> switchesAfter = ContextSwitches.read(pids);
    Map<Long, Double> threadCpuAfter = pids.isEmpty() ? null : ThreadCpu.sample(pids);
    double switchesPerRequest = ContextSwitches.between(switchesBefore, switchesAfter) / n;
    double machineIdlePercent = MachineCpu.idlePercent(machineBefore, MachineCpu.sample());
    // after the machine's reading: naming the threads runs jcmd
    Map<Long, String> groups = ThreadCpu.groups(pids);
    Map<String, Double> switchesByGroup = new HashMap<>();
    ContextSwitches.byGroup(groups, switchesBefore, switchesAfter).forEach((group, switches) ->
        switchesByGroup.put(group, switches / n));
    Map<String, Double> cpuByGroup = new HashMap<>();
    ThreadCpu.byGroup(groups, threadCpuBefore, threadCpuAfter).forEach((group, used) ->
        cpuByGroup.put(group, used * 1000 / n));
    double[] cpuMillisPerRequest = new double[pids.size() + (pids.isEmpty() ? 0 : 1)];
    for (int s = 0; s < pids.size(); s++) {
      cpuMillisPerRequest[s] = (ProcessCpu.seconds(List.of(pids.get(s))) - cpuBefore[s]) * 1000 / n;
      cpuMillisPerRequest[pids.size()] += cpuMillisPerRequest[s];
    }
    LatencyRecorder sorted;
    double[] p99PerServer = new double[clients.size()];
    synchronized (latencies) {
      sorted = LatencyRecorder.merge(List.of(latencies));
      for (int s = 0; s < p99PerServer.length; s++) {
        p99PerServer[s] = LatencyRecorder.merge(List.of(perServer.get(s))).millisAt(0.99);
      }
    }
    double elapsed = (lastDone.get() - start) / 1e9;
    return new Result(verb, rate, seconds, n, ok.get(), errors.get(), ok.get() / elapsed,
        sorted.millisAt(0.50), sorted.millisAt(0.99), sorted.millisAt(1.0), firstError.get(), p99PerServer,
        maxSendLag / 1e6, cpuMillisPerRequest, driverCpuMillisPerRequest, switchesPerRequest, machineIdlePercent,
        switchesByGroup, cpuByGroup);
  }
}
