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
 * <p>With {@code --rounds N} the whole list of scenarios runs N times (the alternation goes on
 * across rounds). Each target's column is then the median of its N values, the ratio column the
 * median of the N ratios taken within each round (so that a round on a slow stretch of the machine
 * slows both targets of its ratios alike), and a last column lists the N ratios in round order:
 * the spread. One round prints the single run's table, as before.
 *
 * <p>Usage: {@code StoreBench --target capstan=http://127.0.0.1:23790,...@pid,pid
 * --target etcd=http://127.0.0.1:22379,...@pid,... [--scale 1.0] [--only put,cas,watch,range,memory]
 * [--warmup-seconds 20] [--rounds 1]}.
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
    int rounds = 1;
    List<String> only = List.of("put", "cas", "watch", "range", "memory");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--target" -> targets.add(Target.parse(value(args, ++i, "--target")));
        case "--scale" -> scale = number(value(args, ++i, "--scale"), "--scale");
        case "--only" -> only = List.of(value(args, ++i, "--only").split(","));
        case "--warmup-seconds" -> warmupSeconds = whole(value(args, ++i, "--warmup-seconds"), "--warmup-seconds");
        case "--rounds" -> rounds = Math.toIntExact(whole(value(args, ++i, "--rounds"), "--rounds"));
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (targets.isEmpty()) {
      throw new IllegalArgumentException("--target: at least one is required");
    }
    if (rounds < 1) {
      throw new IllegalArgumentException("--rounds: must be at least 1, got " + rounds);
    }
    Map<String, Client> clients = new LinkedHashMap<>();
    for (Target t : targets) {
      clients.put(t.name(), Client.builder().endpoints(t.endpoints().toArray(String[]::new)).build());
    }
    List<List<ScenarioResult>> results = new ArrayList<>();
    String run = Long.toString(System.currentTimeMillis(), 36);
    if (warmupSeconds > 0) {
      for (Target t : targets) {
        System.err.printf("%s: warm-up for %d s ...%n", t.name(), warmupSeconds);
        long sent = new Warmup(16, warmupSeconds).run(clients.get(t.name()), "/bench/" + run + "/warmup/");
        System.err.printf("%s: warm-up sent %d requests%n", t.name(), sent);
      }
    }
    int step = 0;
    for (int round = 1; round <= rounds; round++) {
      List<ScenarioResult> roundResults = new ArrayList<>();
      for (String scenario : only) {
        List<Target> order = new ArrayList<>(targets);
        if (step++ % 2 == 1) {
          java.util.Collections.reverse(order);
        }
        for (Target t : order) {
          Client c = clients.get(t.name());
          String prefix = "/bench/" + run + "/r" + round + "/" + scenario + "/";
          System.err.printf("%s: %s (round %d of %d) ...%n", t.name(), scenario, round, rounds);
          switch (scenario) {
            case "put" -> {
              for (int n : new int[] {1, 16, 64}) {
                roundResults.addAll(
                    new PutLoad(n, count(scale, n == 1 ? 2000 : 20000) / n, 256).run(c, t, prefix + n + "/"));
              }
            }
            case "cas" -> roundResults.addAll(new CasLoad(16, 4, count(scale, 500)).run(c, t, prefix));
            case "watch" -> roundResults.addAll(new WatchFanOut(100, count(scale, 10000) / 16 * 16).run(c, t, prefix));
            case "range" -> roundResults.addAll(new RangeLoad(count(scale, 10000), 256, 20).run(c, t, prefix));
            case "memory" -> roundResults.addAll(new MemoryLoad(count(scale, 100000), 1024).run(c, t, prefix));
            default -> throw new IllegalArgumentException("--only: unknown scenario " + scenario);
          }
        }
      }
      results.add(roundResults);
    }
    clients.values().forEach(Client::close);
    System.out.print(table(targets, results));
  }

  private static int count(double scale, int n) {
    return Math.max(16, (int) Math.round(n * scale));
  }

  private static double number(String text, String flag) {
    try {
      return Double.parseDouble(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + ": not a number: " + text);
    }
  }

  private static long whole(String text, String flag) {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + ": not a whole number: " + text);
    }
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) {
      throw new IllegalArgumentException(flag + " needs a value");
    }
    return args[i];
  }

  /**
   * The report of {@code rounds} (each one round's results): per scenario and measure, each
   * target's median over the rounds and, for two targets, the median of the rounds' ratios; with
   * more than one round, also every round's ratio.
   */
  static String table(List<Target> targets, List<List<ScenarioResult>> rounds) {
    StringBuilder out = new StringBuilder("| scenario | measure |");
    targets.forEach(t -> out.append(' ').append(t.name()).append(" |"));
    boolean ratio = targets.size() == 2;
    boolean spread = ratio && rounds.size() > 1;
    if (ratio) {
      out.append(' ').append(targets.get(0).name()).append(" / ").append(targets.get(1).name()).append(" |");
    }
    if (spread) {
      out.append(" ratio in each round |");
    }
    int columns = targets.size() + (ratio ? 1 : 0) + (spread ? 1 : 0);
    out.append("\n|---|---|").append("---|".repeat(columns)).append('\n');
    Map<String, Row> rows = new LinkedHashMap<>();
    for (int round = 0; round < rounds.size(); round++) {
      for (ScenarioResult r : rounds.get(round)) {
        rows.computeIfAbsent(r.scenario() + "\u0000" + r.measure(), k -> new Row(r, new LinkedHashMap<>()))
            .values().computeIfAbsent(r.target(), k -> new Double[rounds.size()])[round] = r.value();
      }
    }
    for (Row row : rows.values()) {
      ScenarioResult any = row.first();
      out.append("| ").append(any.scenario()).append(" | ").append(any.measure()).append(" (").append(any.unit()).append(") |");
      for (Target t : targets) {
        Double[] values = row.values().get(t.name());
        out.append(' ').append(values == null ? "-" : format(median(present(values)))).append(" |");
      }
      if (ratio) {
        Double[] a = row.values().get(targets.get(0).name());
        Double[] b = row.values().get(targets.get(1).name());
        List<Double> ratios = new ArrayList<>();
        StringBuilder each = new StringBuilder();
        for (int round = 0; round < rounds.size(); round++) {
          Double x = a == null ? null : a[round];
          Double y = b == null ? null : b[round];
          boolean known = x != null && y != null && y != 0;
          if (known) {
            ratios.add(x / y);
          }
          each.append(round == 0 ? "" : ", ").append(known ? format(x / y) : "-");
        }
        out.append(' ').append(ratios.isEmpty() ? "-" : format(median(ratios))).append(" |");
        if (spread) {
          out.append(' ').append(each).append(" |");
        }
      }
      out.append('\n');
    }
    return out.toString();
  }

  /** One line of the table: its first result (for the names) and each target's value per round, null where a round lacks it. */
  private record Row(ScenarioResult first, Map<String, Double[]> values) {}

  private static List<Double> present(Double[] values) {
    List<Double> present = new ArrayList<>();
    for (Double v : values) {
      if (v != null) {
        present.add(v);
      }
    }
    return present;
  }

  /** The median: the middle value, or the mean of the two middle ones for an even count. */
  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private static String format(double value) {
    return String.format(Locale.ROOT, "%.2f", value);
  }
}
