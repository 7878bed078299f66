package dev.capstan.apiserver.allocation;

import com.google.protobuf.ByteString;
import dev.capstan.api.core.v1.Service;
import dev.capstan.api.core.v1.ServicePort;
import dev.capstan.api.core.v1.ServiceSpec;
import dev.capstan.apiserver.registry.Allocator;
import dev.capstan.apiserver.registry.ApiErrors;
import dev.capstan.apiserver.registry.StoreKeys;
import dev.capstan.apiserver.validation.FieldError;
import dev.capstan.client.Kinds;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.etcd.etcdserverpb.RangeResponse;
import dev.capstan.etcd.mvccpb.KeyValue;
import dev.capstan.store.KeyValueStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongPredicate;
import java.util.random.RandomGenerator;

/**
 * Gives Services their cluster IPs and node ports. Each value in use is a store record of its own,
 * {@code /registry/ranges/serviceips/<ip>} and {@code /registry/ranges/servicenodeports/<port>},
 * holding the Service's namespace/name; the registry creates and deletes those records in the
 * Service's own write transactions (see {@link Allocator}). Kubernetes keeps one bitmap object
 * per range instead; a record per value lets two apiservers allocate at once and conflict only
 * when they pick the same value.
 *
 * <p>An empty clusterIP or nodePort is picked at random among the values no record holds now
 * (the network and broadcast addresses are never used); a requested one must lie in the range.
 * On update the values a Service keeps are not claimed again; dropped ones (a port removed, the
 * type changed to ClusterIP or ExternalName) are released.
 */
public final class ServiceAllocator implements Allocator<Service> {
  static final String IP_PREFIX = "/registry/ranges/serviceips/";
  static final String NODE_PORT_PREFIX = "/registry/ranges/servicenodeports/";

  private final ServiceRanges ranges;
  private final KeyValueStore store;
  private final RandomGenerator random;

  public ServiceAllocator(ServiceRanges ranges, KeyValueStore store, RandomGenerator random) {
    this.ranges = ranges;
    this.store = store;
    this.random = random;
  }

  @Override
  public Claim<Service> claim(Service service, Service old) {
    ServiceSpec.Builder spec = service.getSpec().toBuilder();
    String name = service.getMetadata().getName();
    List<Reservation> reserve = new ArrayList<>();
    List<ByteString> release = new ArrayList<>();

    String oldIp = old == null ? "" : allocatedIp(old.getSpec());
    String ip = "";
    if (ServiceTypes.needsClusterIp(spec.build())) {
      ip = spec.getClusterIp();
      boolean requested = !ip.isEmpty() && !ip.equals(oldIp);
      if (ip.isEmpty()) {
        ip = oldIp.isEmpty() ? pickIp(name) : oldIp;
      } else if (requested) {
        checkIpInRange(name, ip);
      }
      if (!ip.equals(oldIp)) {
        reserve.add(new Reservation(ipKey(ip), new FieldError("spec.clusterIP",
            "invalid value \"" + ip + "\": provided IP is already allocated"), requested));
      }
      spec.setClusterIp(ip);
      if (spec.getClusterIpsCount() == 0) {
        spec.addClusterIps(ip);
      }
    }
    if (!oldIp.isEmpty() && !oldIp.equals(ip)) {
      release.add(ipKey(oldIp));
    }

    Set<Integer> oldPorts = old == null ? Set.of() : heldNodePorts(old.getSpec());
    Set<Integer> newPorts = new HashSet<>();
    if (ServiceTypes.needsNodePorts(spec.build())) {
      Set<Integer> used = null;
      for (int i = 0; i < spec.getPortsCount(); i++) {
        ServicePort port = spec.getPorts(i);
        int nodePort = port.getNodePort();
        String field = "spec.ports[" + i + "].nodePort";
        boolean requested = nodePort != 0;
        if (requested && !oldPorts.contains(nodePort) && !ranges.nodePortInRange(nodePort)) {
          throw ApiErrors.invalid(Kinds.SERVICE, name, field + ": invalid value " + nodePort
              + ": provided port is not in the valid range. The range of valid ports is " + ranges.nodePortRange());
        }
        if (!requested) {
          if (used == null) {
            used = usedNodePorts();
          }
          Set<Integer> taken = used;
          nodePort = (int) pick(ranges.nodePortMin(), ranges.nodePortMax() - ranges.nodePortMin() + 1,
              p -> taken.contains((int) p) || newPorts.contains((int) p), name, field,
              "no free node port in " + ranges.nodePortRange());
          spec.setPorts(i, port.toBuilder().setNodePort(nodePort));
        }
        // One record per port number: a TCP and a UDP port of one Service may share it.
        if (newPorts.add(nodePort) && !oldPorts.contains(nodePort)) {
          reserve.add(new Reservation(nodePortKey(nodePort), new FieldError(field,
              "invalid value " + nodePort + ": provided port is already allocated"), requested));
        }
      }
    }
    for (int port : oldPorts) {
      if (!newPorts.contains(port)) {
        release.add(nodePortKey(port));
      }
    }
    return new Claim<>(service.toBuilder().setSpec(spec).build(), reserve, release);
  }

  @Override
  public List<ByteString> held(Service service) {
    List<ByteString> keys = new ArrayList<>();
    String ip = allocatedIp(service.getSpec());
    if (!ip.isEmpty()) {
      keys.add(ipKey(ip));
    }
    heldNodePorts(service.getSpec()).forEach(p -> keys.add(nodePortKey(p)));
    return keys;
  }

  /** The cluster IP a stored Service holds, or "" (headless, ExternalName). */
  private static String allocatedIp(ServiceSpec spec) {
    return ServiceTypes.needsClusterIp(spec) ? spec.getClusterIp() : "";
  }

  private static Set<Integer> heldNodePorts(ServiceSpec spec) {
    Set<Integer> ports = new HashSet<>();
    if (ServiceTypes.needsNodePorts(spec)) {
      spec.getPortsList().stream().filter(p -> p.getNodePort() != 0).forEach(p -> ports.add(p.getNodePort()));
    }
    return ports;
  }

  private void checkIpInRange(String name, String ip) {
    OptionalLong address = Ipv4Cidr.parseAddress(ip);
    Ipv4Cidr range = ranges.clusterIpRange();
    if (address.isEmpty() || !range.contains(address.getAsLong()) || address.getAsLong() == range.network()
        || address.getAsLong() == range.address(range.size() - 1)) {
      throw ApiErrors.invalid(Kinds.SERVICE, name, "spec.clusterIP: invalid value \"" + ip
          + "\": provided IP is not in the valid range. The range of valid IPs is " + range);
    }
  }

  private String pickIp(String name) {
    Set<Long> used = new HashSet<>();
    for (String ip : usedValues(IP_PREFIX)) {
      Ipv4Cidr.parseAddress(ip).ifPresent(used::add);
    }
    Ipv4Cidr range = ranges.clusterIpRange();
    long offset = pick(1, range.size() - 2, o -> used.contains(range.address(o)), name, "spec.clusterIP",
        "no free IP in the service range " + range);
    return Ipv4Cidr.format(range.address(offset));
  }

  private Set<Integer> usedNodePorts() {
    Set<Integer> used = new HashSet<>();
    for (String port : usedValues(NODE_PORT_PREFIX)) {
      try {
        used.add(Integer.parseInt(port));
      } catch (NumberFormatException e) {
        // Not a record of ours; it holds nothing.
      }
    }
    return used;
  }

  /**
   * A free value in {@code [first, first + count)}: from a random start, the first one not taken,
   * so that allocations spread over the range and two servers rarely pick the same one.
   */
  private long pick(long first, long count, LongPredicate taken, String name, String field, String full) {
    long start = random.nextLong(count);
    for (long i = 0; i < count; i++) {
      long candidate = first + (start + i) % count;
      if (!taken.test(candidate)) {
        return candidate;
      }
    }
    throw io.grpc.Status.RESOURCE_EXHAUSTED.withDescription("services \"" + name + "\": " + field + ": " + full)
        .asRuntimeException();
  }

  private List<String> usedValues(String prefix) {
    ByteString start = ByteString.copyFromUtf8(prefix);
    RangeResponse r = await(store.range(RangeRequest.newBuilder().setKey(start)
        .setRangeEnd(StoreKeys.rangeEnd(start)).setKeysOnly(true).build()));
    List<String> values = new ArrayList<>(r.getKvsCount());
    for (KeyValue kv : r.getKvsList()) {
      values.add(kv.getKey().toString(StandardCharsets.UTF_8).substring(prefix.length()));
    }
    return values;
  }

  static ByteString ipKey(String ip) {
    return ByteString.copyFromUtf8(IP_PREFIX + ip);
  }

  static ByteString nodePortKey(int port) {
    return ByteString.copyFromUtf8(NODE_PORT_PREFIX + port);
  }

  private static <R> R await(CompletableFuture<R> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw io.grpc.Status.CANCELLED.withDescription("interrupted").asRuntimeException();
    } catch (Exception e) {
      throw ApiErrors.fromStore(e);
    }
  }
}
