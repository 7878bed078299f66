package dev.capstan.cli.output;

import com.google.protobuf.Message;
import dev.capstan.api.apps.v1.DaemonSet;
import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.apps.v1.ReplicaSet;
import dev.capstan.api.apps.v1.StatefulSet;
import dev.capstan.api.coordination.v1.Lease;
import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.core.v1.ContainerStatus;
import dev.capstan.api.core.v1.Event;
import dev.capstan.api.core.v1.Namespace;
import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.NodeAddress;
import dev.capstan.api.core.v1.NodeCondition;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.Secret;
import dev.capstan.api.core.v1.Endpoints;
import dev.capstan.api.core.v1.Service;
import dev.capstan.client.Kind;
import dev.capstan.client.Kinds;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The columns {@code capstan get} prints per kind, as kubectl prints them (NAME, READY, STATUS,
 * RESTARTS, AGE for pods; wide adds IP and NODE; and so on).
 */
public final class ResourceTables {
  private final Instant now;
  private final boolean wide;
  private final boolean withNamespace;

  public ResourceTables(Instant now, boolean wide, boolean withNamespace) {
    this.now = now;
    this.wide = wide;
    this.withNamespace = withNamespace;
  }

  public Table table(Kind<?> kind, List<? extends Message> objects) {
    List<String> headers = new ArrayList<>();
    if (withNamespace && kind.namespaced()) {
      headers.add("NAMESPACE");
    }
    headers.addAll(headers(kind));
    Table t = new Table(headers);
    for (Message m : objects) {
      List<String> row = new ArrayList<>();
      if (withNamespace && kind.namespaced()) {
        row.add(kind.metadata(m).getNamespace());
      }
      row.addAll(cells(kind, m));
      t.row(row);
    }
    return t;
  }

  private List<String> headers(Kind<?> kind) {
    if (kind == Kinds.POD) {
      return wide ? List.of("NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE")
          : List.of("NAME", "READY", "STATUS", "RESTARTS", "AGE");
    } else if (kind == Kinds.NODE) {
      return wide ? List.of("NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION",
          "CONTAINER-RUNTIME") : List.of("NAME", "STATUS", "ROLES", "AGE", "VERSION");
    } else if (kind == Kinds.DEPLOYMENT) {
      return wide ? List.of("NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR")
          : List.of("NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE");
    } else if (kind == Kinds.REPLICA_SET) {
      return wide ? List.of("NAME", "DESIRED", "CURRENT", "READY", "AGE", "CONTAINERS", "IMAGES")
          : List.of("NAME", "DESIRED", "CURRENT", "READY", "AGE");
    } else if (kind == Kinds.DAEMON_SET) {
      List<String> h = List.of("NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE");
      return wide ? concat(h, List.of("CONTAINERS", "IMAGES", "SELECTOR")) : h;
    } else if (kind == Kinds.STATEFUL_SET) {
      return wide ? List.of("NAME", "READY", "AGE", "CONTAINERS", "IMAGES") : List.of("NAME", "READY", "AGE");
    } else if (kind == Kinds.NAMESPACE) {
      return List.of("NAME", "STATUS", "AGE");
    } else if (kind == Kinds.CONFIG_MAP) {
      return List.of("NAME", "DATA", "AGE");
    } else if (kind == Kinds.SECRET) {
      return List.of("NAME", "TYPE", "DATA", "AGE");
    } else if (kind == Kinds.EVENT) {
      return List.of("LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE");
    } else if (kind == Kinds.LEASE) {
      return List.of("NAME", "HOLDER", "AGE");
    } else if (kind == Kinds.SERVICE) {
      return wide ? List.of("NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR")
          : List.of("NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE");
    } else if (kind == Kinds.ENDPOINTS) {
      return List.of("NAME", "ENDPOINTS", "AGE");
    }
    return List.of("NAME", "AGE");
  }

  private List<String> cells(Kind<?> kind, Message m) {
    var meta = kind.metadata(m);
    String age = Age.since(meta.getCreationTimestamp(), now);
    if (m instanceof Pod p) {
      int ready = (int) p.getStatus().getContainerStatusesList().stream().filter(ContainerStatus::getReady).count();
      int restarts = p.getStatus().getContainerStatusesList().stream().mapToInt(ContainerStatus::getRestartCount).sum();
      List<String> c = new ArrayList<>(List.of(meta.getName(), ready + "/" + p.getSpec().getContainersCount(),
          podStatus(p), Integer.toString(restarts), age));
      if (wide) {
        c.add(orNone(p.getStatus().getPodIp()));
        c.add(orNone(p.getSpec().getNodeName()));
      }
      return c;
    } else if (m instanceof Node n) {
      String status = n.getStatus().getConditionsList().stream().filter(c -> c.getType().equals("Ready"))
          .map(NodeCondition::getStatus).findFirst().map(s -> s.equals("True") ? "Ready" : "NotReady").orElse("Unknown");
      if (n.getSpec().getUnschedulable()) {
        status += ",SchedulingDisabled";
      }
      String roles = meta.getLabelsMap().keySet().stream()
          .filter(k -> k.startsWith("node-role.kubernetes.io/"))
          .map(k -> k.substring("node-role.kubernetes.io/".length())).sorted().collect(Collectors.joining(","));
      List<String> c = new ArrayList<>(List.of(meta.getName(), status, roles.isEmpty() ? "<none>" : roles, age,
          n.getStatus().getNodeInfo().getKubeletVersion()));
      if (wide) {
        c.add(n.getStatus().getAddressesList().stream().filter(a -> a.getType().equals("InternalIP"))
            .map(NodeAddress::getAddress).findFirst().orElse("<none>"));
        c.add(orNone(n.getStatus().getNodeInfo().getOsImage()));
        c.add(orNone(n.getStatus().getNodeInfo().getKernelVersion()));
        c.add(orNone(n.getStatus().getNodeInfo().getContainerRuntimeVersion()));
      }
      return c;
    } else if (m instanceof Deployment d) {
      int desired = d.getSpec().getReplicas();
      List<String> c = new ArrayList<>(List.of(meta.getName(), d.getStatus().getReadyReplicas() + "/" + desired,
          Integer.toString(d.getStatus().getUpdatedReplicas()), Integer.toString(d.getStatus().getAvailableReplicas()),
          age));
      if (wide) {
        var containers = d.getSpec().getTemplate().getSpec().getContainersList();
        c.add(containers.stream().map(x -> x.getName()).collect(Collectors.joining(",")));
        c.add(containers.stream().map(x -> x.getImage()).collect(Collectors.joining(",")));
        c.add(dev.capstan.client.selector.LabelQuery.fromProto(d.getSpec().getSelector()).toString());
      }
      return c;
    } else if (m instanceof ReplicaSet rs) {
      List<String> c = new ArrayList<>(List.of(meta.getName(), Integer.toString(rs.getSpec().getReplicas()),
          Integer.toString(rs.getStatus().getReplicas()), Integer.toString(rs.getStatus().getReadyReplicas()), age));
      if (wide) {
        var containers = rs.getSpec().getTemplate().getSpec().getContainersList();
        c.add(containers.stream().map(x -> x.getName()).collect(Collectors.joining(",")));
        c.add(containers.stream().map(x -> x.getImage()).collect(Collectors.joining(",")));
      }
      return c;
    } else if (m instanceof DaemonSet ds) {
      var st = ds.getStatus();
      String selector = ds.getSpec().getTemplate().getSpec().getNodeSelectorMap().entrySet().stream()
          .map(e -> e.getKey() + "=" + e.getValue()).sorted().collect(Collectors.joining(","));
      List<String> c = new ArrayList<>(List.of(meta.getName(), Integer.toString(st.getDesiredNumberScheduled()),
          Integer.toString(st.getCurrentNumberScheduled()), Integer.toString(st.getNumberReady()),
          Integer.toString(st.getUpdatedNumberScheduled()), Integer.toString(st.getNumberAvailable()),
          orNone(selector), age));
      if (wide) {
        var containers = ds.getSpec().getTemplate().getSpec().getContainersList();
        c.add(containers.stream().map(x -> x.getName()).collect(Collectors.joining(",")));
        c.add(containers.stream().map(x -> x.getImage()).collect(Collectors.joining(",")));
        c.add(dev.capstan.client.selector.LabelQuery.fromProto(ds.getSpec().getSelector()).toString());
      }
      return c;
    } else if (m instanceof StatefulSet sts) {
      List<String> c = new ArrayList<>(List.of(meta.getName(),
          sts.getStatus().getReadyReplicas() + "/" + sts.getSpec().getReplicas(), age));
      if (wide) {
        var containers = sts.getSpec().getTemplate().getSpec().getContainersList();
        c.add(containers.stream().map(x -> x.getName()).collect(Collectors.joining(",")));
        c.add(containers.stream().map(x -> x.getImage()).collect(Collectors.joining(",")));
      }
      return c;
    } else if (m instanceof Namespace ns) {
      return List.of(meta.getName(), ns.getStatus().getPhase(), age);
    } else if (m instanceof ConfigMap cm) {
      return List.of(meta.getName(), Integer.toString(cm.getDataCount() + cm.getBinaryDataCount()), age);
    } else if (m instanceof Secret secret) {
      return List.of(meta.getName(), secret.getType(), Integer.toString(secret.getDataCount()), age);
    } else if (m instanceof Event e) {
      var io = e.getInvolvedObject();
      return List.of(Age.since(e.hasLastTimestamp() ? e.getLastTimestamp() : meta.getCreationTimestamp(), now),
          e.getType(), e.getReason(), io.getKind().toLowerCase() + "/" + io.getName(), e.getMessage());
    } else if (m instanceof Lease l) {
      return List.of(meta.getName(), orNone(l.getSpec().getHolderIdentity()), age);
    } else if (m instanceof Service svc) {
      return ServiceColumns.cells(svc, age, wide);
    } else if (m instanceof Endpoints ep) {
      return List.of(meta.getName(), ServiceColumns.endpoints(ep), age);
    }
    return List.of(meta.getName(), age);
  }

  /** The STATUS column of a pod: what kubectl shows, e.g. Running, CrashLoopBackOff, Completed, Terminating. */
  public static String podStatus(Pod p) {
    if (p.getMetadata().hasDeletionTimestamp()) {
      return "Terminating";
    }
    String reason = p.getStatus().getReason().isEmpty() ? p.getStatus().getPhase() : p.getStatus().getReason();
    if (reason.isEmpty()) {
      reason = "Pending";
    }
    boolean running = false;
    for (ContainerStatus cs : p.getStatus().getContainerStatusesList()) {
      var st = cs.getState();
      if (st.hasWaiting() && !st.getWaiting().getReason().isEmpty()) {
        reason = st.getWaiting().getReason();
      } else if (st.hasTerminated()) {
        reason = !st.getTerminated().getReason().isEmpty() ? st.getTerminated().getReason()
            : st.getTerminated().getSignal() != 0 ? "Signal:" + st.getTerminated().getSignal()
            : "ExitCode:" + st.getTerminated().getExitCode();
      } else if (st.hasRunning() && cs.getReady()) {
        running = true;
      }
    }
    if (reason.equals("Completed") && running) {
      reason = "Running";
    }
    if (p.getSpec().getNodeName().isEmpty() && p.getStatus().getConditionsList().stream()
        .anyMatch(c -> c.getType().equals("PodScheduled") && c.getStatus().equals("False"))) {
      return "Pending";
    }
    return reason;
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  private static String orNone(String s) {
    return s == null || s.isEmpty() ? "<none>" : s;
  }
}
