package dev.capstan.apiserver.admission;

import com.google.protobuf.Message;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.ServiceAccount;
import dev.capstan.apiserver.registry.Admission;
import dev.capstan.client.Kind;
import dev.capstan.client.Kinds;
import io.grpc.Status;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * ServiceAccount admission of pods: a pod that names no ServiceAccount runs as its namespace's
 * {@code default} one, and a pod that names another ServiceAccount is refused with
 * FAILED_PRECONDITION while that ServiceAccount does not exist.
 *
 * <p>Unlike Kubernetes, a pod of {@code default} is admitted before the ServiceAccount controller
 * has made {@code default} in a new namespace: Kubernetes refuses such a pod and relies on every
 * client retrying, while here a namespace is usable the moment it is created (controllers and
 * users create pods right after their namespace), and {@code default} follows within moments. A
 * token is only ever issued for a ServiceAccount that exists, so nothing is granted early.
 */
public final class ServiceAccountAdmission implements Admission {
  public static final String DEFAULT = "default";

  private final BiFunction<String, String, Optional<ServiceAccount>> serviceAccounts;

  /**
   * @param serviceAccounts finds a ServiceAccount by namespace and name; it may answer from a cache
   *     as long as a miss is confirmed in the store (a pod may name one created a moment ago)
   */
  public ServiceAccountAdmission(BiFunction<String, String, Optional<ServiceAccount>> serviceAccounts) {
    this.serviceAccounts = serviceAccounts;
  }

  @Override
  public <T extends Message> T mutate(Kind<T> kind, T object) {
    if (kind != Kinds.POD || !((Pod) object).getSpec().getServiceAccountName().isEmpty()) {
      return object;
    }
    Pod.Builder pod = ((Pod) object).toBuilder();
    pod.getSpecBuilder().setServiceAccountName(DEFAULT);
    @SuppressWarnings("unchecked")
    T t = (T) pod.build();
    return t;
  }

  @Override
  public <T extends Message> void admit(Kind<T> kind, T object) {
    if (kind != Kinds.POD) {
      return;
    }
    Pod pod = (Pod) object;
    String name = pod.getSpec().getServiceAccountName();
    String namespace = pod.getMetadata().getNamespace();
    if (name.equals(DEFAULT) || serviceAccounts.apply(namespace, name).isPresent()) {
      return;
    }
    throw Status.FAILED_PRECONDITION.withDescription("pods \"" + podName(pod) + "\" is forbidden:"
        + " spec.serviceAccountName: serviceaccounts \"" + name + "\" not found in namespace \"" + namespace
        + "\"; create the ServiceAccount first").asRuntimeException();
  }

  private static String podName(Pod pod) {
    return pod.getMetadata().getName().isEmpty() ? pod.getMetadata().getGenerateName() : pod.getMetadata().getName();
  }
}
