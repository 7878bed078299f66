package dev.capstan.agent.node;

import dev.capstan.agent.ProtoTimestamps;
import dev.capstan.agent.runtime.RuntimeVersion;
import dev.capstan.api.core.v1.DaemonEndpoint;
import dev.capstan.api.core.v1.NodeAddress;
import dev.capstan.api.core.v1.NodeCondition;
import dev.capstan.api.core.v1.NodeDaemonEndpoints;
import dev.capstan.api.core.v1.NodeStatus;
import dev.capstan.api.core.v1.NodeSystemInfo;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Computes this node's status: capacity and allocatable from the host (cpu, memory as
 * "&lt;n&gt;Ki", pods "110"), addresses (InternalIP = the advertised address, Hostname = the node
 * name), system info, the agent's port, and the conditions with a fresh heartbeat (Ready True
 * "KubeletReady"; MemoryPressure and DiskPressure as {@link NodePressure} measures them; no PID
 * pressure). Transition times survive while a condition's status stays.
 */
public final class NodeStatusGenerator {
  public static final String AGENT_VERSION = "capstan/0.1.0";
  public static final String MAX_PODS = "110";

  private final String nodeName;
  private final HostInfo host;
  private final String advertiseAddress;
  private final int agentPort;
  private final RuntimeVersion runtime;
  private final NodePressure pressure;

  /** A generator that reports no memory or disk pressure (nothing measured). */
  public NodeStatusGenerator(String nodeName, HostInfo host, String advertiseAddress, int agentPort,
      RuntimeVersion runtime) {
    this(nodeName, host, advertiseAddress, agentPort, runtime, null);
  }

  /** @param pressure measures memory and disk pressure at each status (null: never any) */
  public NodeStatusGenerator(String nodeName, HostInfo host, String advertiseAddress, int agentPort,
      RuntimeVersion runtime, NodePressure pressure) {
    this.nodeName = nodeName;
    this.host = host;
    this.advertiseAddress = advertiseAddress;
    this.agentPort = agentPort;
    this.runtime = runtime;
    this.pressure = pressure;
  }

  /** The labels the agent sets on its Node. */
  public Map<String, String> labels() {
    return Map.of(
        "kubernetes.io/hostname", nodeName,
        "kubernetes.io/os", host.operatingSystem(),
        "kubernetes.io/arch", host.architecture());
  }

  public NodeStatus generate(NodeStatus old, Instant now) {
    NodePressure.Reading reading = pressure == null ? null : pressure.read();
    Map<String, String> capacity = Map.of(
        "cpu", Integer.toString(host.cpus()),
        "memory", host.memoryKibibytes() + "Ki",
        "pods", MAX_PODS);
    return NodeStatus.newBuilder()
        .putAllCapacity(capacity)
        .putAllAllocatable(capacity)
        .addAddresses(NodeAddress.newBuilder().setType("InternalIP").setAddress(advertiseAddress))
        .addAddresses(NodeAddress.newBuilder().setType("Hostname").setAddress(nodeName))
        .setNodeInfo(NodeSystemInfo.newBuilder()
            .setMachineId(host.machineId())
            .setKernelVersion(host.kernelVersion())
            .setOsImage(host.osImage())
            .setContainerRuntimeVersion(runtime.nodeInfoVersion())
            .setKubeletVersion(AGENT_VERSION)
            .setOperatingSystem(host.operatingSystem())
            .setArchitecture(host.architecture()))
        .setDaemonEndpoints(NodeDaemonEndpoints.newBuilder()
            .setKubeletEndpoint(DaemonEndpoint.newBuilder().setPort(agentPort)))
        .addAllConditions(List.of(
            memoryPressure(old, reading, now),
            diskPressure(old, reading, now),
            condition(old, "PIDPressure", "False", "KubeletHasSufficientPID", "agent has sufficient PID available", now),
            condition(old, "Ready", "True", "KubeletReady", "capstan agent is posting ready status", now)))
        .build();
  }

  private static NodeCondition memoryPressure(NodeStatus old, NodePressure.Reading r, Instant now) {
    if (r == null || !r.memoryPressure()) {
      return condition(old, "MemoryPressure", "False", "KubeletHasSufficientMemory",
          r == null ? "agent has sufficient memory available" : r.memoryMessage(), now);
    }
    return condition(old, "MemoryPressure", "True", "KubeletHasInsufficientMemory", r.memoryMessage(), now);
  }

  private static NodeCondition diskPressure(NodeStatus old, NodePressure.Reading r, Instant now) {
    if (r == null || !r.diskPressure()) {
      return condition(old, "DiskPressure", "False", "KubeletHasNoDiskPressure",
          r == null ? "agent has no disk pressure" : r.diskMessage(), now);
    }
    return condition(old, "DiskPressure", "True", "KubeletHasDiskPressure", r.diskMessage(), now);
  }

  private static NodeCondition condition(NodeStatus old, String type, String status, String reason, String message,
      Instant now) {
    Optional<NodeCondition> prior = old.getConditionsList().stream().filter(c -> c.getType().equals(type)).findFirst();
    NodeCondition.Builder b = NodeCondition.newBuilder().setType(type).setStatus(status).setReason(reason)
        .setMessage(message).setLastHeartbeatTime(ProtoTimestamps.of(now));
    if (prior.isPresent() && prior.get().getStatus().equals(status) && prior.get().hasLastTransitionTime()) {
      b.setLastTransitionTime(prior.get().getLastTransitionTime());
    } else {
      b.setLastTransitionTime(ProtoTimestamps.of(now));
    }
    return b.build();
  }
}
