package dev.capstan.cli.commands;

import dev.capstan.api.core.v1.ContainerUsage;
import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.NodeStats;
import dev.capstan.api.core.v1.NodeStatsRequest;
import dev.capstan.api.core.v1.NodesGrpc;
import dev.capstan.api.core.v1.PodUsage;
import dev.capstan.api.core.v1.ResourceUsage;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.quantity.Quantity;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code capstan top nodes|pods}: current CPU and memory use, as {@code kubectl top} shows it, from
 * each node's agent through nodes/stats (no metrics server to install). CPU is averaged over the
 * agent's last sampling window; a node or container measured only once yet shows {@code <unknown>}.
 */
@Command(name = "top", description = "Show the CPU and memory that nodes or pods use now.",
    subcommands = {TopCommand.Nodes.class, TopCommand.Pods.class})
public final class TopCommand {

  @Command(name = "nodes", aliases = {"node", "no"}, description = "CPU and memory use of each node.")
  public static final class Nodes implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(arity = "0..1", paramLabel = "NAME", description = "one node (default: all)")
    String name;

    @Override
    public Integer call() {
      try (CapstanClient c = client.connect()) {
        List<Node> nodes = name != null ? List.of(c.nodes().get("", name)) : c.nodes().list("").items();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NAME", "CPU(cores)", "CPU%", "MEMORY(bytes)", "MEMORY%"});
        for (Node node : nodes.stream().sorted(Comparator.comparing(n -> n.getMetadata().getName())).toList()) {
          String n = node.getMetadata().getName();
          try {
            ResourceUsage u = stats(c, n).getUsage();
            long cpuCapacityMillis = capacity(node, "cpu", true);
            long memoryCapacity = capacity(node, "memory", false);
            rows.add(new String[] {n, cpu(u), u.getCpuKnown() ? percent(u.getCpuNanoCores() / 1_000_000, cpuCapacityMillis) : "<unknown>",
                memory(u.getMemoryWorkingSetBytes()), percent(u.getMemoryWorkingSetBytes(), memoryCapacity)});
          } catch (StatusRuntimeException e) {
            rows.add(new String[] {n, "<unknown>", "<unknown>", "<unknown>", "<unknown>"});
            System.err.println("warning: node " + n + ": " + ErrorReport.describe(e, client.serverAddress()));
          }
        }
        print(rows);
        return 0;
      }
    }
  }

  @Command(name = "pods", aliases = {"pod", "po"}, description = "CPU and memory use of each pod.")
  public static final class Pods implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(arity = "0..1", paramLabel = "NAME", description = "one pod (default: all in the namespace)")
    String name;

    @Option(names = "--containers", description = "a line per container")
    boolean containers;

    @Option(names = {"-A", "--all-namespaces"}, description = "pods of every namespace")
    boolean allNamespaces;

    @Override
    public Integer call() {
      try (CapstanClient c = client.connect()) {
        boolean all = allNamespaces;
        List<String[]> rows = new ArrayList<>();
        rows.add(all ? new String[] {"NAMESPACE", "NAME", containers ? "CONTAINER" : null, "CPU(cores)", "MEMORY(bytes)"}
            : new String[] {"NAME", containers ? "CONTAINER" : null, "CPU(cores)", "MEMORY(bytes)"});
        List<PodUsage> pods = new ArrayList<>();
        for (Node node : c.nodes().list("").items()) {
          try {
            pods.addAll(stats(c, node.getMetadata().getName()).getPodsList());
          } catch (StatusRuntimeException e) {
            System.err.println("warning: node " + node.getMetadata().getName() + ": " + ErrorReport.describe(e, client.serverAddress()));
          }
        }
        pods.sort(Comparator.comparing(PodUsage::getNamespace).thenComparing(PodUsage::getName));
        boolean found = false;
        for (PodUsage p : pods) {
          if ((!all && !p.getNamespace().equals(client.namespace())) || (name != null && !p.getName().equals(name))) {
            continue;
          }
          found = true;
          if (containers) {
            for (ContainerUsage cu : p.getContainersList()) {
              rows.add(row(all, p, cu.getName(), cu.getUsage()));
            }
          } else {
            rows.add(row(all, p, null, sum(p.getContainersList())));
          }
        }
        if (name != null && !found) {
          throw new CliException("pod \"" + name + "\" has no usage measured: is it running?");
        }
        print(rows);
        return 0;
      }
    }

    private static String[] row(boolean all, PodUsage p, String container, ResourceUsage u) {
      return all ? new String[] {p.getNamespace(), p.getName(), container, cpu(u), memory(u.getMemoryWorkingSetBytes())}
          : new String[] {p.getName(), container, cpu(u), memory(u.getMemoryWorkingSetBytes())};
    }

    private static ResourceUsage sum(List<ContainerUsage> containers) {
      ResourceUsage.Builder b = ResourceUsage.newBuilder().setCpuKnown(!containers.isEmpty());
      for (ContainerUsage c : containers) {
        b.setCpuNanoCores(b.getCpuNanoCores() + c.getUsage().getCpuNanoCores())
            .setMemoryWorkingSetBytes(b.getMemoryWorkingSetBytes() + c.getUsage().getMemoryWorkingSetBytes())
            .setCpuKnown(b.getCpuKnown() && c.getUsage().getCpuKnown());
      }
      return b.build();
    }
  }

  private static NodeStats stats(CapstanClient c, String node) {
    return NodesGrpc.newBlockingStub(c.channel()).stats(NodeStatsRequest.newBuilder().setName(node).build());
  }

  /** The node's capacity of a resource: millicores for cpu, bytes for memory; 0 when not reported. */
  private static long capacity(Node node, String resource, boolean millis) {
    String q = node.getStatus().getCapacityMap().get(resource);
    if (q == null) {
      return 0;
    }
    Quantity quantity = Quantity.parse(q);
    return millis ? quantity.milliValue() : quantity.value();
  }

  /** As kubectl top: millicores, e.g. "250m". */
  static String cpu(ResourceUsage u) {
    return u.getCpuKnown() ? (u.getCpuNanoCores() / 1_000_000) + "m" : "<unknown>";
  }

  /** As kubectl top: mebibytes, e.g. "12Mi". */
  static String memory(long bytes) {
    return (bytes / (1024 * 1024)) + "Mi";
  }

  private static String percent(long used, long capacity) {
    return capacity <= 0 ? "<unknown>" : String.format(Locale.ROOT, "%d%%", Math.round(100.0 * used / capacity));
  }

  private static void print(List<String[]> rows) {
    int columns = rows.get(0).length;
    int[] width = new int[columns];
    for (String[] r : rows) {
      for (int i = 0; i < columns; i++) {
        if (r[i] != null) {
          width[i] = Math.max(width[i], r[i].length());
        }
      }
    }
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < columns; i++) {
        if (r[i] == null) {
          continue;
        }
        line.append(i == columns - 1 ? r[i] : String.format(Locale.ROOT, "%-" + (width[i] + 3) + "s", r[i]));
      }
      System.out.println(line.toString().stripTrailing());
    }
  }
}
