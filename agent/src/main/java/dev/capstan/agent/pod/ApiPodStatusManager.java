package dev.capstan.agent.pod;

import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodStatus;
import dev.capstan.api.meta.v1.DeleteRequest;
import dev.capstan.api.meta.v1.Preconditions;
import dev.capstan.client.ResourceClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link PodStatusManager} that writes to the apiserver. It writes only when a status changed: a status equal to the API's copy is not
 * written, nor one equal to the last write while the caller's copy predates that write. A conflict
 * (another writer changed the pod) re-reads the pod and retries. Thread-safe; each pod's calls are
 * serialized by its pod worker.
 */
public final class ApiPodStatusManager implements PodStatusManager {
  private static final Logger log = LoggerFactory.getLogger(ApiPodStatusManager.class);
  private static final int MAX_ATTEMPTS = 5;

  private final ResourceClient<Pod> pods;
  private final Map<String, Written> written = new ConcurrentHashMap<>();

  private record Written(PodStatus status, long resourceVersion) {}

  public ApiPodStatusManager(ResourceClient<Pod> pods) {
    this.pods = pods;
  }

  @Override
  public boolean setStatus(Pod pod, PodStatus status) {
    String uid = pod.getMetadata().getUid();
    if (status.equals(pod.getStatus())) {
      return false;
    }
    Written last = written.get(uid);
    if (last != null && last.status.equals(status) && resourceVersion(pod) < last.resourceVersion) {
      return false; // our write has not reached the caller's copy yet
    }
    Pod current = pod;
    for (int attempt = 1; ; attempt++) {
      try {
        Pod updated = pods.updateStatus(current.toBuilder().setStatus(status).build());
        written.put(uid, new Written(status, resourceVersion(updated)));
        return true;
      } catch (StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        if (code == Status.Code.NOT_FOUND) {
          return false;
        }
        if (code != Status.Code.ABORTED || attempt == MAX_ATTEMPTS) {
          throw e;
        }
        log.debug("conflict writing status of {}/{}, re-reading", pod.getMetadata().getNamespace(),
            pod.getMetadata().getName());
        try {
          current = pods.get(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
        } catch (StatusRuntimeException notFound) {
          if (notFound.getStatus().getCode() == Status.Code.NOT_FOUND) {
            return false;
          }
          throw notFound;
        }
        if (!current.getMetadata().getUid().equals(uid) || status.equals(current.getStatus())) {
          return false; // replaced by another pod of the same name, or already as wanted
        }
      }
    }
  }

  @Override
  public Pod withLatestStatus(Pod pod) {
    Written last = written.get(pod.getMetadata().getUid());
    if (last == null || resourceVersion(pod) >= last.resourceVersion) {
      return pod;
    }
    return pod.toBuilder().setStatus(last.status).build();
  }

  @Override
  public void deletePod(Pod pod) {
    try {
      pods.delete(DeleteRequest.newBuilder()
          .setNamespace(pod.getMetadata().getNamespace())
          .setName(pod.getMetadata().getName())
          .setGracePeriodSeconds(0)
          .setPreconditions(Preconditions.newBuilder().setUid(pod.getMetadata().getUid()))
          .build());
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      // NOT_FOUND: already gone. ABORTED/FAILED_PRECONDITION: the name now holds another pod.
      if (code != Status.Code.NOT_FOUND && code != Status.Code.ABORTED && code != Status.Code.FAILED_PRECONDITION) {
        throw e;
      }
    }
  }

  @Override
  public void forget(String uid) {
    written.remove(uid);
  }

  private static long resourceVersion(Pod pod) {
    try {
      return Long.parseLong(pod.getMetadata().getResourceVersion());
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
