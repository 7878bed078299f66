package dev.capstan.scheduler.framework;

import dev.capstan.api.core.v1.Pod;

/** Rates a feasible node for a pod (Kubernetes' Score plugins). Pure. */
public interface NodeScorer {
  long MAX_SCORE = 100;

  /** A score from 0 (worst) to {@link #MAX_SCORE} (best). */
  long score(Pod pod, NodeInfo node);
}
