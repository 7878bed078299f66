package dev.capstan.apiserver.admission;

import com.google.protobuf.Message;
import dev.capstan.api.core.v1.ConfigMapProjection;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.DownwardAPIProjection;
import dev.capstan.api.core.v1.DownwardAPIVolumeFile;
import dev.capstan.api.core.v1.KeyToPath;
import dev.capstan.api.core.v1.ObjectFieldSelector;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.ProjectedVolumeSource;
import dev.capstan.api.core.v1.ServiceAccount;
import dev.capstan.api.core.v1.ServiceAccountTokenProjection;
import dev.capstan.api.core.v1.Volume;
import dev.capstan.api.core.v1.VolumeMount;
import dev.capstan.api.core.v1.VolumeProjection;
import dev.capstan.apiserver.registry.Admission;
import dev.capstan.apiserver.registry.NameSuffix;
import dev.capstan.client.Kind;
import dev.capstan.client.Kinds;
import io.grpc.Status;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.random.RandomGenerator;

/**
 * ServiceAccount admission of pods: a pod that names no ServiceAccount runs as its namespace's
 * {@code default} one, and a pod that names another ServiceAccount is refused with
 * FAILED_PRECONDITION while that ServiceAccount does not exist.
 *
 * <p>Unless the pod, or else its ServiceAccount, sets {@code automountServiceAccountToken: false},
 * the pod gets Kubernetes' token volume: a projected volume {@code kube-api-access-<5 random
 * chars>} with a token for the ServiceAccount ({@code token}, 3607 s, refreshed by the agent), the
 * cluster CA ({@code ca.crt} from the ConfigMap {@code kube-root-ca.crt}) and the pod's namespace
 * ({@code namespace}), mounted read-only at {@value #TOKEN_MOUNT_PATH} in every container and init
 * container that does not mount something there already. A pod that already has such a volume
 * (one made from its ReplicaSet's template keeps none, but a pod copied from another may) gets no
 * second one.
 *
 * <p>Unlike Kubernetes, a pod of {@code default} is admitted before the ServiceAccount controller
 * has made {@code default} in a new namespace: Kubernetes refuses such a pod and relies on every
 * client retrying, while here a namespace is usable the moment it is created (controllers and
 * users create pods right after their namespace), and {@code default} follows within moments. A
 * token is only ever issued for a ServiceAccount that exists, so nothing is granted early.
 */
public final class ServiceAccountAdmission implements Admission {
  public static final String DEFAULT = "default";
  public static final String TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
  public static final String TOKEN_VOLUME_PREFIX = "kube-api-access-";
  public static final String ROOT_CA_CONFIG_MAP = "kube-root-ca.crt";
  public static final long TOKEN_EXPIRATION_SECONDS = 3607;

  /** The token volume but for its name, built once. */
  private static final Volume TOKEN_VOLUME = tokenVolume();

  private final BiFunction<String, String, Optional<ServiceAccount>> serviceAccounts;
  private final RandomGenerator random;

  /**
   * @param serviceAccounts finds a ServiceAccount by namespace and name; it may answer from a cache
   *     as long as a miss is confirmed in the store (a pod may name one created a moment ago)
   * @param random picks the token volume's name suffix
   */
  public ServiceAccountAdmission(BiFunction<String, String, Optional<ServiceAccount>> serviceAccounts,
      RandomGenerator random) {
    this.serviceAccounts = serviceAccounts;
    this.random = random;
  }

  @Override
  public <T extends Message> T mutate(Kind<T> kind, T object) {
    if (kind != Kinds.POD) {
      return object;
    }
    Pod.Builder pod = ((Pod) object).toBuilder();
    PodSpec.Builder spec = pod.getSpecBuilder();
    if (spec.getServiceAccountName().isEmpty()) {
      spec.setServiceAccountName(DEFAULT);
    }
    if (automounts(spec, pod.getMetadata().getNamespace())) {
      mountToken(spec);
    }
    @SuppressWarnings("unchecked")
    T t = (T) pod.build();
    return t;
  }

  /** The pod's own setting wins; then its ServiceAccount's; mounted by default. */
  private boolean automounts(PodSpec.Builder spec, String namespace) {
    if (spec.hasAutomountServiceAccountToken()) {
      return spec.getAutomountServiceAccountToken();
    }
    return serviceAccounts.apply(namespace, spec.getServiceAccountName())
        .filter(ServiceAccount::hasAutomountServiceAccountToken)
        .map(ServiceAccount::getAutomountServiceAccountToken)
        .orElse(true);
  }

  // Every pod of a cluster gets this admission, so it walks the pod's lists with plain loops.
  private void mountToken(PodSpec.Builder spec) {
    String volume = null;
    for (int i = 0; i < spec.getVolumesCount() && volume == null; i++) {
      String name = spec.getVolumes(i).getName();
      if (name.startsWith(TOKEN_VOLUME_PREFIX)) {
        volume = name;
      }
    }
    if (volume == null) {
      do {
        volume = TOKEN_VOLUME_PREFIX + NameSuffix.next(random);
      } while (hasVolume(spec, volume));
      spec.addVolumes(TOKEN_VOLUME.toBuilder().setName(volume));
    }
    VolumeMount mount = VolumeMount.newBuilder().setName(volume).setMountPath(TOKEN_MOUNT_PATH).setReadOnly(true)
        .build();
    for (int i = 0; i < spec.getInitContainersCount(); i++) {
      Container c = spec.getInitContainers(i);
      if (!mountsToken(c)) {
        spec.setInitContainers(i, c.toBuilder().addVolumeMounts(mount));
      }
    }
    for (int i = 0; i < spec.getContainersCount(); i++) {
      Container c = spec.getContainers(i);
      if (!mountsToken(c)) {
        spec.setContainers(i, c.toBuilder().addVolumeMounts(mount));
      }
    }
  }

  private static boolean hasVolume(PodSpec.Builder spec, String name) {
    for (int i = 0; i < spec.getVolumesCount(); i++) {
      if (spec.getVolumes(i).getName().equals(name)) {
        return true;
      }
    }
    return false;
  }

  /** Whether the container already mounts something at the token's path (the user's mount wins). */
  private static boolean mountsToken(Container container) {
    for (VolumeMount m : container.getVolumeMountsList()) {
      if (m.getMountPath().equals(TOKEN_MOUNT_PATH) || m.getMountPath().equals(TOKEN_MOUNT_PATH + "/")) {
        return true;
      }
    }
    return false;
  }

  /** Kubernetes' kube-api-access volume, but for its name: the token, the cluster CA and the namespace. */
  private static Volume tokenVolume() {
    return Volume.newBuilder().setProjected(ProjectedVolumeSource.newBuilder()
        .setDefaultMode(0644)
        .addSources(VolumeProjection.newBuilder().setServiceAccountToken(ServiceAccountTokenProjection.newBuilder()
            .setExpirationSeconds(TOKEN_EXPIRATION_SECONDS).setPath("token")))
        .addSources(VolumeProjection.newBuilder().setConfigMap(ConfigMapProjection.newBuilder()
            .setName(ROOT_CA_CONFIG_MAP).addItems(KeyToPath.newBuilder().setKey("ca.crt").setPath("ca.crt"))))
        .addSources(VolumeProjection.newBuilder().setDownwardApi(DownwardAPIProjection.newBuilder()
            .addItems(DownwardAPIVolumeFile.newBuilder().setPath("namespace")
                .setFieldRef(ObjectFieldSelector.newBuilder().setApiVersion("v1").setFieldPath("metadata.namespace"))))))
        .build();
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
