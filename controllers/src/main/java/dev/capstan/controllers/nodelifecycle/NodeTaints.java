package dev.capstan.controllers.nodelifecycle;

import dev.capstan.api.core.v1.Taint;
import dev.capstan.client.scheduling.Tolerations;
import dev.capstan.controllers.framework.ProtoTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The taints the lifecycle controller owns, with Kubernetes' keys: a node whose Ready condition is
 * Unknown (its agent went silent) carries {@code node.kubernetes.io/unreachable}, one whose agent
 * reports Ready=False carries {@code node.kubernetes.io/not-ready}, each with effects NoSchedule and
 * NoExecute; a Ready node carries neither. {@link #desired} computes the new taint list: other
 * taints are kept as they are (a NoExecute one without timeAdded gets it), a taint that stays keeps its timeAdded (eviction times count from
 * it), a new one gets timeAdded = now.
 */
public final class NodeTaints {
  public static final String UNREACHABLE = "node.kubernetes.io/unreachable";
  public static final String NOT_READY = "node.kubernetes.io/not-ready";

  private NodeTaints() {}

  /**
   * @param readyStatus the node's Ready condition status (True, False, Unknown)
   * @param noExecute whether the NoExecute taint for that status may be on the node: false when
   *     evictions are held back (see {@link EvictionPolicy}); an existing one is then removed
   */
  public static List<Taint> desired(List<Taint> current, String readyStatus, boolean noExecute, Instant now) {
    String wantedKey = switch (readyStatus) {
      case NodeConditions.TRUE -> null;
      case NodeConditions.FALSE -> NOT_READY;
      default -> UNREACHABLE;
    };
    List<Taint> result = new ArrayList<>();
    for (Taint taint : current) {
      // Eviction times count from timeAdded; Kubernetes' apiserver stamps it, here the controller does.
      Taint t = taint.getEffect().equals(Tolerations.NO_EXECUTE) && !taint.hasTimeAdded()
          ? taint.toBuilder().setTimeAdded(ProtoTime.toTimestamp(now)).build() : taint;
      if (!isOwned(t)) {
        result.add(t);
      } else if (t.getKey().equals(wantedKey) && wanted(t.getEffect(), noExecute)
          && result.stream().noneMatch(r -> sameKeyAndEffect(r, t))) {
        result.add(t);
      }
    }
    if (wantedKey != null) {
      for (String effect : List.of(Tolerations.NO_SCHEDULE, Tolerations.NO_EXECUTE)) {
        Taint t = Taint.newBuilder().setKey(wantedKey).setEffect(effect).setTimeAdded(ProtoTime.toTimestamp(now)).build();
        if (wanted(effect, noExecute) && result.stream().noneMatch(r -> sameKeyAndEffect(r, t))) {
          result.add(t);
        }
      }
    }
    return result;
  }

  /** Whether the node carries the NoExecute taint of this Ready status already. */
  public static boolean hasNoExecuteFor(List<Taint> taints, String readyStatus) {
    String key = readyStatus.equals(NodeConditions.FALSE) ? NOT_READY : UNREACHABLE;
    return taints.stream().anyMatch(t -> t.getKey().equals(key) && t.getEffect().equals(Tolerations.NO_EXECUTE));
  }

  private static boolean isOwned(Taint t) {
    return (t.getKey().equals(UNREACHABLE) || t.getKey().equals(NOT_READY))
        && (t.getEffect().equals(Tolerations.NO_SCHEDULE) || t.getEffect().equals(Tolerations.NO_EXECUTE));
  }

  private static boolean wanted(String effect, boolean noExecute) {
    return !effect.equals(Tolerations.NO_EXECUTE) || noExecute;
  }

  private static boolean sameKeyAndEffect(Taint a, Taint b) {
    return a.getKey().equals(b.getKey()) && a.getEffect().equals(b.getEffect());
  }
}
