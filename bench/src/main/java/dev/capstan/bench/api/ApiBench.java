package dev.capstan.bench.api;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import dev.capstan.api.core.v1.Namespace;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.meta.v1.GetRequest;
import dev.capstan.api.meta.v1.ListRequest;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.meta.v1.PatchRequest;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.ClientTls;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The apiserver load driver: against a cluster of {@code capstan server}s (clients spread over
 * all of them), runs a warm-up, then the memory and watch fan-out scenario ({@link WatchMemory}),
 * then open-loop latency ({@link OpenLoad}) of create, get, list and update of Pods (and, when
 * named in {@code --verbs}, patch) at each target rate, and prints Markdown tables.
 *
 * <p>Usage: {@code ApiBench --server 127.0.0.1:6443@pid --server ... --token TOKEN
 * [--certificate-authority CA.crt] [--scale 1]
 * [--rates 100,500] [--seconds 30] [--warmup-seconds 45] [--only warmup,memory,latency]
 * [--verbs create,get,list,update,patch] [--metrics host:port,...]}; {@code --metrics} names the
 * servers' metrics endpoints, from which each latency run reports how many store writes shared a
 * Raft log entry, and each server's collector pauses ({@link ServerMetrics}).
 * {@code --scale} multiplies the pod and watcher counts, the seconds per latency run and the
 * warm-up (0.1 for a quick check).
 */
public final class ApiBench {
  private static final int LIST_PODS = 100;
  private static final int UPDATE_PODS = 1500;
  /** How many thread groups the by-group tables (context switches, CPU) name per run. */
  private static final int GROUPS_SHOWN = 12;

  private ApiBench() {}

  public static void main(String[] args) throws Exception {
    List<Server> servers = new ArrayList<>();
    String token = null;
    ClientTls tls = null;
    double scale = 1.0;
    double[] rates = {100, 500};
    Double seconds = null;
    Long warmupSeconds = null;
    List<String> only = List.of("warmup", "memory", "latency");
    List<String> verbs = List.of("create", "get", "list", "update");
    List<String> metrics = List.of();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--server" -> servers.add(Server.parse(value(args, ++i, "--server")));
        case "--token" -> token = value(args, ++i, "--token");
        case "--certificate-authority" -> tls = ClientTls.serverOnly(
            java.nio.file.Files.readString(java.nio.file.Path.of(value(args, ++i, "--certificate-authority"))));
        case "--scale" -> scale = Double.parseDouble(value(args, ++i, "--scale"));
        case "--rates" -> rates = java.util.Arrays.stream(value(args, ++i, "--rates").split(","))
            .mapToDouble(Double::parseDouble).toArray();
        case "--seconds" -> seconds = Double.parseDouble(value(args, ++i, "--seconds"));
        case "--warmup-seconds" -> warmupSeconds = Long.parseLong(value(args, ++i, "--warmup-seconds"));
        case "--only" -> only = List.of(value(args, ++i, "--only").split(","));
        case "--verbs" -> verbs = verbs(value(args, ++i, "--verbs"));
        case "--metrics" -> metrics = List.of(value(args, ++i, "--metrics").split(","));
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (servers.isEmpty() || token == null) {
      throw new IllegalArgumentException("--server (at least one) and --token are required");
    }
    double runSeconds = seconds != null ? seconds : Math.max(3, 30 * scale);
    long warmup = warmupSeconds != null ? warmupSeconds : Math.max(5, Math.round(45 * scale));
    List<CapstanClient> clients = new ArrayList<>();
    for (Server s : servers) {
      clients.add(CapstanClient.connect(s.address(), token, tls));
    }
    for (String ns : List.of("bench-warmup", "bench-mem", "bench-list", "bench-create", "bench-update")) {
      createNamespace(clients.get(0), ns);
    }
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "servers: %d (%s); scale %s; warm-up %d s; %s s per latency run%n%n",
        servers.size(), String.join(", ", servers.stream().map(Server::address).toList()), scale, warmup, runSeconds));

    if (only.contains("warmup") && warmup > 0) {
      System.err.printf("warm-up for %d s ...%n", warmup);
      long sent = Warmup.run(clients, warmup);
      System.err.printf("warm-up sent %d requests%n", sent);
      out.append(String.format(Locale.ROOT, "Warm-up: %d s of unmeasured create/get/list/update/patch from 8 clients "
          + "(%d requests) before anything is measured.%n%n", warmup, sent));
    }
    if (only.contains("memory")) {
      int pods = Math.max(100, (int) Math.round(10_000 * scale));
      int watchers = Math.max(30, (int) Math.round(1_000 * scale));
      int updates = Math.max(20, (int) Math.round(200 * scale));
      out.append(new WatchMemory(servers, clients, token, tls, pods, watchers, updates).run());
    }
    if (only.contains("latency")) {
      List<Long> pids = servers.stream().map(Server::pid).filter(pid -> pid > 0).toList();
      out.append(latency(clients, pids.size() == servers.size() ? pids : List.of(), new ServerMetrics(metrics),
          rates, verbs, runSeconds));
    }
    clients.forEach(CapstanClient::close);
    System.out.print(out);
  }

  private static List<String> verbs(String value) {
    List<String> verbs = List.of(value.split(","));
    for (String verb : verbs) {
      if (!List.of("create", "get", "list", "update", "patch").contains(verb)) {
        throw new IllegalArgumentException("--verbs: unknown verb " + verb + " (known: create, get, list, update, patch)");
      }
    }
    return verbs;
  }

  private static String latency(List<CapstanClient> clients, List<Long> pids, ServerMetrics serverMetrics,
      double[] rates, List<String> verbs, double seconds) throws Exception {
    System.err.println("latency: preparing " + LIST_PODS + " pods to get and list, " + UPDATE_PODS + " to update ...");
    List<Pod> listed = createPods(clients, "bench-list", "p-", LIST_PODS);
    List<Pod> updatable = createPods(clients, "bench-update", "u-", UPDATE_PODS);
    AtomicReferenceArray<Pod> current = new AtomicReferenceArray<>(updatable.toArray(Pod[]::new));
    List<OpenLoad.Result> results = new ArrayList<>();
    List<Double> writesPerEntry = new ArrayList<>();
    List<String> gcPauses = new ArrayList<>();
    int run = 0;
    for (double rate : rates) {
      int r = run++;
      for (String verb : verbs) {
        System.err.printf(Locale.ROOT, "latency: %s at %.0f/s for %.0f s ...%n", verb, rate, seconds);
        OpenLoad.Request request = switch (verb) {
          case "create" -> (i, c) -> Async.pods(c, "Create", BenchPods.pod("bench-create", "c" + r + "-" + i));
          case "get" -> (i, c) -> Async.pods(c, "Get", GetRequest.newBuilder().setNamespace("bench-list")
              .setName(listed.get(ThreadLocalRandom.current().nextInt(listed.size())).getMetadata().getName()).build());
          case "list" -> (i, c) -> Async.pods(c, "List", ListRequest.newBuilder().setNamespace("bench-list")
              .setLimit(500).build());
          case "update" -> (i, c) -> {
            int slot = i % UPDATE_PODS;
            Pod p = current.get(slot);
            Pod changed = p.toBuilder().setMetadata(p.getMetadata().toBuilder().putLabels("bench-seq", Integer.toString(i)))
                .build();
            ListenableFuture<Pod> f = Async.pods(c, "Update", changed);
            return Futures.transform(f, updated -> {
              current.set(slot, updated);
              return updated;
            }, MoreExecutors.directExecutor());
          };
          case "patch" -> (i, c) -> {
            int slot = i % UPDATE_PODS;
            ListenableFuture<Pod> f = Async.pods(c, "Patch", PatchRequest.newBuilder().setNamespace("bench-update")
                .setName(updatable.get(slot).getMetadata().getName()).setType("merge")
                .setPatch(ByteString.copyFromUtf8("{\"metadata\":{\"labels\":{\"bench-patch\":\"" + i + "\"}}}"))
                .build());
            // keeps the update verb's resourceVersions current when both run
            return Futures.transform(f, patched -> {
              current.set(slot, patched);
              return patched;
            }, MoreExecutors.directExecutor());
          };
          default -> throw new IllegalStateException(verb);
        };
        ServerMetrics.Sample before = serverMetrics.sample();
        results.add(OpenLoad.run(verb, rate, seconds, clients, pids, request));
        ServerMetrics.Sample after = serverMetrics.sample();
        writesPerEntry.add(ServerMetrics.writesPerEntry(before, after));
        gcPauses.add(ServerMetrics.gcPauses(before, after));
        // let the servers settle (collect garbage, finish replication) before the next run
        Thread.sleep(3000);
      }
    }
    StringBuilder out = new StringBuilder("### Latency, open loop (from each request's intended send time)\n\n"
        + "| verb | target rate (req/s) | requests | achieved (req/s) | p50 (ms) | p99 (ms) | max (ms) | errors "
        + "| p99 per server (ms) | driver's max send lag (ms) | server CPU per request, all (per server) (ms) "
        + "| driver CPU per request (ms) | server context switches per request | machine idle (%) "
        + "| store writes per log entry | collector pauses per server: count × mean (ms) |\n"
        + "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    List<String> notes = new ArrayList<>();
    for (int r = 0; r < results.size(); r++) {
      OpenLoad.Result x = results.get(r);
      double perEntry = writesPerEntry.get(r);
      StringBuilder perServer = new StringBuilder();
      for (double p : x.p99PerServer()) {
        perServer.append(perServer.length() == 0 ? "" : " / ").append(String.format(Locale.ROOT, "%.0f", p));
      }
      out.append(String.format(Locale.ROOT, "| %s | %.0f | %d | %.1f | %.2f | %.2f | %.2f | %d | %s | %.1f | %s | %.2f | %.1f | %.0f | %s | %s |%n",
          x.verb(), x.targetRate(), x.sent(), x.achievedRate(), x.p50(), x.p99(), x.max(), x.errors(), perServer,
          x.maxSendLag(), cpuColumn(x.cpuMillisPerRequest()), x.driverCpuMillisPerRequest(), x.switchesPerRequest(),
          x.machineIdlePercent(), Double.isNaN(perEntry) ? "-" : String.format(Locale.ROOT, "%.2f", perEntry),
          gcPauses.get(r)));
      if (x.errors() > 0) {
        notes.add(x.verb() + " at " + (long) x.targetRate() + "/s, first error: " + x.firstError());
      }
    }
    out.append('\n');
    notes.forEach(n -> out.append("- ").append(n).append('\n'));
    out.append(byGroupTable("Context switches per request by thread group, all servers (the largest "
        + GROUPS_SHOWN + ")", results, OpenLoad.Result::switchesPerRequestByGroup, "%.1f"));
    out.append(byGroupTable("Server CPU per request by thread group, all servers, in ms (the largest "
        + GROUPS_SHOWN + "; the JVM's own threads too: GC, compiler)", results,
        OpenLoad.Result::cpuMillisPerRequestByGroup, "%.3f"));
    out.append("\nget: a random one of " + LIST_PODS + " pods; list: the namespace of " + LIST_PODS
        + " pods, limit 500; update: a label change on one of " + UPDATE_PODS
        + " pods in turn, with its current resourceVersion; patch: a JSON merge patch of a label on one of those "
        + UPDATE_PODS + " pods in turn, without a resourceVersion; create: a new pod each.\n");
    return out.toString();
  }

  /** A table of one per-thread-group measure: a row per run, its largest groups, largest first. */
  private static String byGroupTable(String title, List<OpenLoad.Result> results,
      java.util.function.Function<OpenLoad.Result, Map<String, Double>> measure, String format) {
    StringBuilder out = new StringBuilder("\n### " + title + "\n\n| run | thread groups |\n|---|---|\n");
    for (OpenLoad.Result x : results) {
      String groups = measure.apply(x).entrySet().stream()
          .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
          .limit(GROUPS_SHOWN)
          .map(g -> g.getKey() + " " + String.format(Locale.ROOT, format, g.getValue()))
          .collect(Collectors.joining("; "));
      out.append(String.format(Locale.ROOT, "| %s at %.0f/s | %s |%n", x.verb(), x.targetRate(),
          groups.isEmpty() ? "(not read)" : groups));
    }
    return out.toString();
  }

  /** "4.10 (1.20 / 1.30 / 1.60)": all servers' CPU per request, then each server's; "-" when unknown. */
  private static String cpuColumn(double[] millis) {
    if (millis.length == 0) {
      return "-";
    }
    StringBuilder each = new StringBuilder();
    for (int s = 0; s < millis.length - 1; s++) {
      each.append(s == 0 ? "" : " / ").append(String.format(Locale.ROOT, "%.2f", millis[s]));
    }
    return String.format(Locale.ROOT, "%.2f (%s)", millis[millis.length - 1], each);
  }

  /** Creates {@code count} pods, 32 in flight at a time, spread over the servers; returns them as stored. */
  static List<Pod> createPods(List<CapstanClient> clients, String namespace, String prefix, int count) throws Exception {
    List<Pod> created = new ArrayList<>(count);
    List<ListenableFuture<Pod>> inFlight = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      inFlight.add(Async.pods(clients.get(i % clients.size()), "Create", BenchPods.pod(namespace, prefix + i)));
      if (inFlight.size() == 32 || i == count - 1) {
        created.addAll(Futures.allAsList(inFlight).get());
        inFlight.clear();
      }
    }
    return created;
  }

  private static void createNamespace(CapstanClient client, String name) {
    try {
      client.namespaces().create(Namespace.newBuilder().setApiVersion("v1").setKind("Namespace")
          .setMetadata(ObjectMeta.newBuilder().setName(name)).build());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
        throw e;
      }
    }
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) {
      throw new IllegalArgumentException(flag + " needs a value");
    }
    return args[i];
  }
}
