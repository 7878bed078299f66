package dev.capstan.agent.pod;

import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodStatus;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps the statuses the syncer writes, like an API that only stores them. */
final class RecordingStatusManager implements PodStatusManager {
  final Map<String, PodStatus> statuses = new ConcurrentHashMap<>();
  final List<String> deleted = new CopyOnWriteArrayList<>();
  int writes;

  @Override
  public synchronized boolean setStatus(Pod pod, PodStatus status) {
    if (status.equals(statuses.get(pod.getMetadata().getUid()))) {
      return false;
    }
    statuses.put(pod.getMetadata().getUid(), status);
    writes++;
    return true;
  }

  @Override
  public Pod withLatestStatus(Pod pod) {
    return current(pod);
  }

  @Override
  public void deletePod(Pod pod) {
    deleted.add(pod.getMetadata().getUid());
  }

  @Override
  public void forget(String uid) {}

  /** The pod as the API would now return it. */
  Pod current(Pod pod) {
    PodStatus s = statuses.get(pod.getMetadata().getUid());
    return s == null ? pod : pod.toBuilder().setStatus(s).build();
  }
}
