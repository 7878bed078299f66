package dev.capstan.scheduler.framework;

import dev.capstan.api.core.v1.Pod;
import java.util.List;
import java.util.Map;

/** Passes nodes whose labels include every key=value of the pod's spec.nodeSelector. */
public final class NodeSelectorFilter implements NodeFilter {
  public static final String REASON = "node(s) didn't match Pod's node affinity/selector";

  @Override
  public List<String> filter(Pod pod, NodeInfo node) {
    Map<String, String> labels = node.node().getMetadata().getLabelsMap();
    for (Map.Entry<String, String> wanted : pod.getSpec().getNodeSelectorMap().entrySet()) {
      if (!wanted.getValue().equals(labels.get(wanted.getKey()))) {
        return List.of(REASON);
      }
    }
    return List.of();
  }
}
