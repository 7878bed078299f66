package dev.capstan.cli.commands;

import dev.capstan.api.core.v1.ContainerUsage;
import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.NodeStats;
import dev.capstan.api.core.v1.NodeStatsRequest;
import dev.capstan.api.core.v1.NodesGrpc;
import dev.capstan.api.core.v1.PodUsage;
import dev.capstan.api.core.v1.ResourceUsage;
import dev.capstan.client.CapstanClient;
import dev.capstan.cli.output.Table;
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
        Table table = new Table(List.of("NAME", "CPU(cores)", "CPU%", "MEMORY(bytes)", "MEMORY%"));
        for (Node node : nodes.stream().sorted(Comparator.comparing(n -> n.getMetadata().getName())).toList()) {
          String n = node.getMetadata().getName();
          try {
            ResourceUsage u = stats(c, n).getUsage();
            long cpuCapacityMillis = capacity(node, "cpu", true);
            long memoryCapacity = capacity(node, "memory", false);
            table.row(List.of(n, cpu(u),
                u.getCpuKnown() ? percent(u.getCpuNanoCores() / 1_000_000, cpuCapacityMillis) : "<unknown>",
                memory(u.getMemoryWorkingSetBytes()), percent(u.getMemoryWorkingSetBytes(), memoryCapacity)));
          } catch (StatusRuntimeException e) {
            table.row(List.of(n, "<unknown>", "<unknown>", "<unknown>", "<unknown>"));
            System.err.println("warning: node " + n + ": " + ErrorReport.describe(e, client.serverAddress()));
          }
        }
        table.print(System.out);
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
        List<String> headers = new ArrayList<>();
        if (all) {
          headers.add("NAMESPACE");
        }
        headers.add("NAME");
        if (containers) {
          headers.add("CONTAINER");
        }
        headers.addAll(List.of("CPU(cores)", "MEMORY(bytes)"));
        Table table = new Table(headers);
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
              table.row(row(all, p, cu.getName(), cu.getUsage()));
            }
          } else {
            table.row(row(all, p, null, sum(p.getContainersList())));
          }
        }
        if (name != null && !found) {
          throw new CliException("pod \"" + name + "\" has no usage measured: is it running?");
        }
        table.print(System.out);
        return 0;
      }
    }

    /** A row: namespace (with -A), name, container (with --containers, else null), CPU, memory. */
    private static List<String> row(boolean all, PodUsage p, String container, ResourceUsage u) {
      List<String> cells = new ArrayList<>();
      if (all) {
        cells.add(p.getNamespace());
      }
      cells.add(p.getName());
      if (container != null) {
        cells.add(container);
      }
      cells.add(cpu(u));
      cells.add(memory(u.getMemoryWorkingSetBytes()));
      return cells;
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
}
