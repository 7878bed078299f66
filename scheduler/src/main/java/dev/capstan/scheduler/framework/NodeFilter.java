package dev.capstan.scheduler.framework;

import dev.capstan.api.core.v1.Pod;
import java.util.List;

/**
 * One rule a node must pass for a pod to be placed on it (Kubernetes' Filter plugins). Pure: it
 * looks only at its arguments.
 */
public interface NodeFilter {
  /**
   * Why {@code pod} cannot run on {@code node}, as short reasons in Kubernetes' wording
   * ("Insufficient cpu", "node(s) were unschedulable", ...); empty when it can. {@code node.node()}
   * is never null here.
   */
  List<String> filter(Pod pod, NodeInfo node);
}
