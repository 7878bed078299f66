package dev.capstan.scheduler.framework;

import dev.capstan.api.core.v1.NodeCondition;
import dev.capstan.api.core.v1.Pod;
import java.util.List;

/** Passes only nodes whose Ready condition is True. */
public final class NodeReadyFilter implements NodeFilter {
  public static final String REASON = "node(s) were not ready";

  @Override
  public List<String> filter(Pod pod, NodeInfo node) {
    for (NodeCondition c : node.node().getStatus().getConditionsList()) {
      if (c.getType().equals("Ready")) {
        return c.getStatus().equals("True") ? List.of() : List.of(REASON);
      }
    }
    return List.of(REASON);
  }
}
