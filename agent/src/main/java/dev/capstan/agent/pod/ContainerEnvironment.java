package dev.capstan.agent.pod;

import dev.capstan.agent.runtime.ContainerConfig.EnvVar;
import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.core.v1.ConfigMapKeySelector;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.EnvVarSource;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.Secret;
import dev.capstan.api.core.v1.SecretKeySelector;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves a container's environment as kubelet does: plain values, {@code valueFrom.fieldRef}
 * (the pod's name, namespace, uid, labels, annotations, node, service account, IPs) and
 * {@code valueFrom.configMapKeyRef} and {@code valueFrom.secretKeyRef} (the value's bytes as UTF-8); then expands {@code $(VAR)} references in env values (against
 * the variables defined before them), command and args.
 */
public final class ContainerEnvironment {
  private static final Pattern MAP_FIELD = Pattern.compile("metadata\\.(labels|annotations)\\['(.+)'\\]");

  /** Reads ConfigMaps; empty when the ConfigMap does not exist. */
  @FunctionalInterface
  public interface ConfigMapSource {
    Optional<ConfigMap> get(String namespace, String name);
  }

  /** Reads Secrets; empty when the Secret does not exist. */
  @FunctionalInterface
  public interface SecretSource {
    Optional<Secret> get(String namespace, String name);
  }

  /** A container's resolved process: environment, command and args. */
  public record Resolved(List<EnvVar> env, List<String> command, List<String> args) {}

  private final ConfigMapSource configMaps;
  private final SecretSource secrets;

  public ContainerEnvironment(ConfigMapSource configMaps, SecretSource secrets) {
    this.configMaps = configMaps;
    this.secrets = secrets;
  }

  /**
   * @param fieldPath where the container is in the pod, e.g. "spec.containers[0]", for errors
   * @throws ContainerConfigException naming the field that cannot be resolved
   */
  public Resolved resolve(Pod pod, Container container, String fieldPath, String podIp, String hostIp) {
    Map<String, String> vars = new LinkedHashMap<>();
    for (int i = 0; i < container.getEnvCount(); i++) {
      dev.capstan.api.core.v1.EnvVar e = container.getEnv(i);
      String path = fieldPath + ".env[" + i + "]";
      String value;
      if (e.hasValueFrom()) {
        value = valueFrom(pod, e.getValueFrom(), path + ".valueFrom", podIp, hostIp);
        if (value == null) {
          continue; // an optional source that is absent
        }
      } else {
        value = VariableExpansion.expand(e.getValue(), vars::get);
      }
      vars.put(e.getName(), value);
    }
    List<EnvVar> env = new ArrayList<>();
    vars.forEach((k, v) -> env.add(new EnvVar(k, v)));
    List<String> command = container.getCommandList().stream().map(s -> VariableExpansion.expand(s, vars::get)).toList();
    List<String> args = container.getArgsList().stream().map(s -> VariableExpansion.expand(s, vars::get)).toList();
    return new Resolved(env, command, args);
  }

  private String valueFrom(Pod pod, EnvVarSource source, String path, String podIp, String hostIp) {
    if (source.hasFieldRef()) {
      return fieldRef(pod, source.getFieldRef().getFieldPath(), path + ".fieldRef.fieldPath", podIp, hostIp);
    }
    if (source.hasConfigMapKeyRef()) {
      return configMapKey(pod.getMetadata().getNamespace(), source.getConfigMapKeyRef(), path + ".configMapKeyRef");
    }
    if (source.hasSecretKeyRef()) {
      return secretKey(pod.getMetadata().getNamespace(), source.getSecretKeyRef(), path + ".secretKeyRef");
    }
    throw new ContainerConfigException(path + ": one of fieldRef, configMapKeyRef or secretKeyRef is required");
  }

  private static String fieldRef(Pod pod, String field, String path, String podIp, String hostIp) {
    switch (field) {
      case "metadata.name":
        return pod.getMetadata().getName();
      case "metadata.namespace":
        return pod.getMetadata().getNamespace();
      case "metadata.uid":
        return pod.getMetadata().getUid();
      case "spec.nodeName":
        return pod.getSpec().getNodeName();
      case "spec.serviceAccountName":
        return pod.getSpec().getServiceAccountName();
      case "status.podIP":
      case "status.podIPs":
        return podIp;
      case "status.hostIP":
      case "status.hostIPs":
        return hostIp;
      default:
        Matcher m = MAP_FIELD.matcher(field);
        if (m.matches()) {
          Map<String, String> map = m.group(1).equals("labels")
              ? pod.getMetadata().getLabelsMap() : pod.getMetadata().getAnnotationsMap();
          return map.getOrDefault(m.group(2), "");
        }
        throw new ContainerConfigException(path + ": unsupported field \"" + field + "\"");
    }
  }

  private String configMapKey(String namespace, ConfigMapKeySelector ref, String path) {
    boolean optional = ref.hasOptional() && ref.getOptional();
    Optional<ConfigMap> cm = configMaps.get(namespace, ref.getName());
    if (cm.isEmpty()) {
      if (optional) {
        return null;
      }
      throw new ContainerConfigException(path + ": configmap \"" + ref.getName() + "\" not found");
    }
    String value = cm.get().getDataMap().get(ref.getKey());
    if (value == null && !optional) {
      throw new ContainerConfigException(path + ": couldn't find key " + ref.getKey() + " in ConfigMap "
          + namespace + "/" + ref.getName());
    }
    return value;
  }

  private String secretKey(String namespace, SecretKeySelector ref, String path) {
    boolean optional = ref.hasOptional() && ref.getOptional();
    Optional<Secret> secret = secrets.get(namespace, ref.getName());
    if (secret.isEmpty()) {
      if (optional) {
        return null;
      }
      throw new ContainerConfigException(path + ": secret \"" + ref.getName() + "\" not found");
    }
    com.google.protobuf.ByteString value = secret.get().getDataMap().get(ref.getKey());
    if (value == null) {
      if (optional) {
        return null;
      }
      throw new ContainerConfigException(path + ": couldn't find key " + ref.getKey() + " in Secret "
          + namespace + "/" + ref.getName());
    }
    return value.toStringUtf8();
  }
}
