package dev.capstan.bench.store;

import io.etcd.jetcd.Client;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The store load driver: runs the same scenarios, through the same client (jetcd), against each
 * target in turn, and prints one Markdown table with a column per target and, for two targets,
 * the ratio of the first to the second. Targets alternate per scenario so that neither always
 * runs on a warmer or a colder machine.
 *
 * <p>Usage: {@code StoreBench --target capstan=http://127.0.0.1:23790,...@pid,pid
 * --target etcd=http://127.0.0.1:22379,...@pid,... [--scale 1.0] [--only put,cas,watch,range,memory]
 * [--warmup-seconds 20]}.
 * {@code --scale} multiplies every operation count (0.1 for a quick check). Each target first gets
 * {@code --warmup-seconds} of unmeasured load ({@link Warmup}), so that the scenarios measure
 * warm stores.
 */
public final class StoreBench {
  private StoreBench() {}

  public static void main(String[] args) throws Exception {
    List<Target> targets = new ArrayList<>();
    double scale = 1.0;
    long warmupSeconds = 20;
    List<String> only = List.of("put", "cas", "watch", "range", "memory");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--target" -> targets.add(Target.parse(value(args, ++i, "--target")));
        case "--scale" -> scale = Double.parseDouble(value(args, ++i, "--scale"));
        case "--only" -> only = List.of(value(args, ++i, "--only").split(","));
        case "--warmup-seconds" -> warmupSeconds = Long.parseLong(value(args, ++i, "--warmup-seconds"));
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (targets.isEmpty()) {
      throw new IllegalArgumentException("--target: at least one is required");
    }
    Map<String, Client> clients = new LinkedHashMap<>();
    for (Target t : targets) {
      clients.put(t.name(), Client.builder().endpoints(t.endpoints().toArray(String[]::new)).build());
    }
    List<ScenarioResult> results = new ArrayList<>();
    String run = Long.toString(System.currentTimeMillis(), 36);
    if (warmupSeconds > 0) {
      for (Target t : targets) {
        System.err.printf("%s: warm-up for %d s ...%n", t.name(), warmupSeconds);
        long sent = new Warmup(16, warmupSeconds).run(clients.get(t.name()), "/bench/" + run + "/warmup/");
        System.err.printf("%s: warm-up sent %d requests%n", t.name(), sent);
      }
    }
    int step = 0;
    for (String scenario : only) {
      List<Target> order = new ArrayList<>(targets);
      if (step++ % 2 == 1) {
        java.util.Collections.reverse(order);
      }
      for (Target t : order) {
        Client c = clients.get(t.name());
        String prefix = "/bench/" + run + "/" + scenario + "/";
        System.err.printf("%s: %s ...%n", t.name(), scenario);
        switch (scenario) {
          case "put" -> {
            for (int n : new int[] {1, 16, 64}) {
              results.addAll(new PutLoad(n, count(scale, n == 1 ? 2000 : 20000) / n, 256).run(c, t, prefix + n + "/"));
            }
          }
          case "cas" -> results.addAll(new CasLoad(16, 4, count(scale, 500)).run(c, t, prefix));
          case "watch" -> results.addAll(new WatchFanOut(100, count(scale, 10000) / 16 * 16).run(c, t, prefix));
          case "range" -> results.addAll(new RangeLoad(count(scale, 10000), 256, 20).run(c, t, prefix));
          case "memory" -> results.addAll(new MemoryLoad(count(scale, 100000), 1024).run(c, t, prefix));
          default -> throw new IllegalArgumentException("--only: unknown scenario " + scenario);
        }
      }
    }
    clients.values().forEach(Client::close);
    System.out.print(table(targets, results));
  }

  private static int count(double scale, int n) {
    return Math.max(16, (int) Math.round(n * scale));
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) {
      throw new IllegalArgumentException(flag + " needs a value");
    }
    return args[i];
  }

  static String table(List<Target> targets, List<ScenarioResult> results) {
    StringBuilder out = new StringBuilder("| scenario | measure |");
    targets.forEach(t -> out.append(' ').append(t.name()).append(" |"));
    boolean ratio = targets.size() == 2;
    if (ratio) {
      out.append(' ').append(targets.get(0).name()).append(" / ").append(targets.get(1).name()).append(" |");
    }
    out.append("\n|---|---|").append("---|".repeat(targets.size() + (ratio ? 1 : 0))).append('\n');
    Map<String, Map<String, ScenarioResult>> rows = new LinkedHashMap<>();
    for (ScenarioResult r : results) {
      rows.computeIfAbsent(r.scenario() + "\u0000" + r.measure(), k -> new LinkedHashMap<>()).put(r.target(), r);
    }
    for (Map<String, ScenarioResult> row : rows.values()) {
      ScenarioResult any = row.values().iterator().next();
      out.append("| ").append(any.scenario()).append(" | ").append(any.measure()).append(" (").append(any.unit()).append(") |");
      for (Target t : targets) {
        ScenarioResult r = row.get(t.name());
        out.append(' ').append(r == null ? "-" : String.format(Locale.ROOT, "%.2f", r.value())).append(" |");
      }
      if (ratio) {
        ScenarioResult a = row.get(targets.get(0).name());
        ScenarioResult b = row.get(targets.get(1).name());
        out.append(' ').append(a == null || b == null || b.value() == 0 ? "-"
            : String.format(Locale.ROOT, "%.2f", a.value() / b.value())).append(" |");
      }
      out.append('\n');
    }
    return out.toString();
  }
}
