package dev.capstan.client.quota;

import com.google.protobuf.Message;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.client.Kind;
import dev.capstan.client.Kinds;
import dev.capstan.client.quantity.Quantity;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What one object counts against a ResourceQuota, by Kubernetes' resource names: every object
 * counts 1 of {@code count/<resource>} ({@code count/<resource>.<group>} outside the core group),
 * and core kinds with a legacy name also 1 of it ({@code pods}, {@code configmaps},
 * {@code secrets}, {@code services}, {@code resourcequotas}). A pod also counts its requests and
 * limits ({@code requests.cpu}, {@code requests.memory}, {@code limits.cpu}, {@code limits.memory},
 * and {@code cpu}/{@code memory} for the requests), each the sum over its containers or the largest
 * init container's, whichever is larger. A pod that has finished (Succeeded or Failed) counts
 * nothing, as in Kubernetes: it holds no resources any more.
 */
public final class QuotaUsage {
  /** Core resources whose plain name is also a quota resource name. */
  private static final Set<String> LEGACY_COUNTS = Set.of("pods", "configmaps", "secrets", "services",
      "resourcequotas", "replicationcontrollers", "persistentvolumeclaims");
  /** The compute resources a pod's containers declare, and the quota names they feed. */
  private static final List<String> COMPUTE = List.of("cpu", "memory");

  private QuotaUsage() {}

  /** The count name of a kind: {@code count/pods}, {@code count/deployments.apps}. */
  public static String countName(Kind<?> kind) {
    return kind.group().isEmpty() ? "count/" + kind.resource() : "count/" + kind.resource() + "." + kind.group();
  }

  /** The resource names an object of {@code kind} can use; a quota that names none of them ignores the kind. */
  public static Set<String> names(Kind<?> kind) {
    Set<String> names = new java.util.TreeSet<>();
    names.add(countName(kind));
    if (kind.group().isEmpty() && LEGACY_COUNTS.contains(kind.resource())) {
      names.add(kind.resource());
    }
    if (kind == Kinds.POD) {
      for (String r : COMPUTE) {
        names.add(r);
        names.add("requests." + r);
        names.add("limits." + r);
      }
    }
    return names;
  }

  /** What {@code object} of {@code kind} uses. */
  public static ResourceList of(Kind<?> kind, Message object) {
    if (object instanceof Pod pod && isTerminal(pod)) {
      return ResourceList.EMPTY;
    }
    Map<String, Quantity> m = new TreeMap<>();
    for (String n : names(kind)) {
      if (n.equals(countName(kind)) || n.equals(kind.resource())) {
        m.put(n, Quantity.of(1));
      }
    }
    if (object instanceof Pod pod) {
      for (String r : COMPUTE) {
        Quantity requests = podAmount(pod.getSpec(), r, true);
        m.put(r, requests);
        m.put("requests." + r, requests);
        m.put("limits." + r, podAmount(pod.getSpec(), r, false));
      }
    }
    return new ResourceList(m);
  }

  /**
   * The containers of a pod that do not declare {@code name} (e.g. {@code requests.cpu}), which a
   * quota limiting that resource requires them to; empty for other names or kinds.
   */
  public static List<String> containersMissing(Message object, String name) {
    if (!(object instanceof Pod pod)) {
      return List.of();
    }
    boolean limits = name.startsWith("limits.");
    String resource = limits ? name.substring(7) : name.startsWith("requests.") ? name.substring(9) : name;
    if (!COMPUTE.contains(resource)) {
      return List.of();
    }
    List<Container> all = new java.util.ArrayList<>(pod.getSpec().getInitContainersList());
    all.addAll(pod.getSpec().getContainersList());
    return all.stream()
        .filter(c -> !(limits ? c.getResources().getLimitsMap() : c.getResources().getRequestsMap()).containsKey(resource))
        .map(Container::getName)
        .toList();
  }

  private static boolean isTerminal(Pod pod) {
    String phase = pod.getStatus().getPhase();
    return phase.equals("Succeeded") || phase.equals("Failed");
  }

  private static Quantity podAmount(PodSpec spec, String resource, boolean requests) {
    Quantity sum = Quantity.ZERO;
    for (Container c : spec.getContainersList()) {
      sum = sum.plus(amount(c, resource, requests));
    }
    Quantity result = sum;
    for (Container c : spec.getInitContainersList()) {
      Quantity q = amount(c, resource, requests);
      if (q.compareTo(result) > 0) {
        result = q;
      }
    }
    return result;
  }

  /** A container's request (or limit); a request left out defaults to the limit, as Kubernetes defaults it. */
  private static Quantity amount(Container c, String resource, boolean requests) {
    Map<String, String> limits = c.getResources().getLimitsMap();
    String text = requests ? c.getResources().getRequestsMap().getOrDefault(resource, limits.get(resource))
        : limits.get(resource);
    if (text == null) {
      return Quantity.ZERO;
    }
    try {
      return Quantity.parse(text);
    } catch (IllegalArgumentException e) {
      return Quantity.ZERO;  // validation refuses such pods before quota sees them
    }
  }
}
