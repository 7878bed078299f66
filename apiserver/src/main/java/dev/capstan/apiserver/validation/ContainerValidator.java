package dev.capstan.apiserver.validation;

import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.ContainerPort;
import dev.capstan.api.core.v1.EnvVar;
import dev.capstan.api.core.v1.EnvVarSource;
import dev.capstan.api.core.v1.HTTPGetAction;
import dev.capstan.api.core.v1.Probe;
import dev.capstan.api.core.v1.ResourceRequirements;
import dev.capstan.api.core.v1.VolumeMount;
import dev.capstan.client.quantity.Quantity;
import dev.capstan.client.selector.LabelSyntax;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks one container of a pod spec as Kubernetes does: image, pull policy, ports, environment,
 * resources (quantities that parse, requests not above limits), volume mounts that name a volume
 * of the pod, and probes with exactly one handler. The name's format and uniqueness are the pod
 * spec's concern ({@link PodSpecValidator}).
 */
final class ContainerValidator {
  private ContainerValidator() {}

  static List<FieldError> validate(Container container, FieldPath path, Set<String> volumeNames, boolean init) {
    List<FieldError> errors = new ArrayList<>();
    if (container.getImage().isEmpty()) {
      errors.add(path.child("image").required());
    } else if (!container.getImage().strip().equals(container.getImage())) {
      errors.add(path.child("image").invalid(container.getImage(), "must not have leading or trailing whitespace"));
    }
    String pullPolicy = container.getImagePullPolicy();
    if (!pullPolicy.isEmpty() && !Set.of("Always", "IfNotPresent", "Never").contains(pullPolicy)) {
      errors.add(path.child("imagePullPolicy").unsupported(pullPolicy, "Always", "IfNotPresent", "Never"));
    }
    errors.addAll(ports(container.getPortsList(), path.child("ports")));
    errors.addAll(env(container.getEnvList(), path.child("env")));
    if (container.hasResources()) {
      errors.addAll(resources(container.getResources(), path.child("resources")));
    }
    errors.addAll(volumeMounts(container.getVolumeMountsList(), path.child("volumeMounts"), volumeNames));
    probe(container.hasLivenessProbe(), container.getLivenessProbe(), path.child("livenessProbe"), init, true, errors);
    probe(container.hasReadinessProbe(), container.getReadinessProbe(), path.child("readinessProbe"), init, false, errors);
    probe(container.hasStartupProbe(), container.getStartupProbe(), path.child("startupProbe"), init, true, errors);
    return errors;
  }

  private static List<FieldError> ports(List<ContainerPort> ports, FieldPath path) {
    List<FieldError> errors = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < ports.size(); i++) {
      ContainerPort port = ports.get(i);
      FieldPath at = path.index(i);
      if (!port.getName().isEmpty()) {
        Optional<String> why = NameSyntax.ianaServiceName(port.getName());
        if (why.isPresent()) {
          errors.add(at.child("name").invalid(port.getName(), why.get()));
        } else if (!names.add(port.getName())) {
          errors.add(at.child("name").duplicate(port.getName()));
        }
      }
      if (port.getContainerPort() == 0) {
        errors.add(at.child("containerPort").required());
      } else if (port.getContainerPort() < 1 || port.getContainerPort() > 65535) {
        errors.add(at.child("containerPort").error("must be between 1 and 65535, inclusive"));
      }
      if (port.getHostPort() < 0 || port.getHostPort() > 65535) {
        errors.add(at.child("hostPort").error("must be between 0 and 65535, inclusive"));
      }
      String protocol = port.getProtocol();
      if (!protocol.isEmpty() && !Set.of("TCP", "UDP", "SCTP").contains(protocol)) {
        errors.add(at.child("protocol").unsupported(protocol, "TCP", "UDP", "SCTP"));
      }
    }
    return errors;
  }

  private static List<FieldError> env(List<EnvVar> vars, FieldPath path) {
    List<FieldError> errors = new ArrayList<>();
    for (int i = 0; i < vars.size(); i++) {
      EnvVar var = vars.get(i);
      FieldPath at = path.index(i);
      if (var.getName().isEmpty()) {
        errors.add(at.child("name").required());
      } else {
        NameSyntax.envVarName(var.getName()).ifPresent(why -> errors.add(at.child("name").invalid(var.getName(), why)));
      }
      if (var.hasValueFrom()) {
        FieldPath from = at.child("valueFrom");
        if (!var.getValue().isEmpty()) {
          errors.add(from.error("may not be specified when `value` is not empty"));
        }
        errors.addAll(envSource(var.getValueFrom(), from));
      }
    }
    return errors;
  }

  private static List<FieldError> envSource(EnvVarSource source, FieldPath path) {
    List<FieldError> errors = new ArrayList<>();
    int sources = (source.hasFieldRef() ? 1 : 0) + (source.hasConfigMapKeyRef() ? 1 : 0)
        + (source.hasSecretKeyRef() ? 1 : 0);
    if (sources == 0) {
      errors.add(path.error("must specify one of: `fieldRef`, `configMapKeyRef` or `secretKeyRef`"));
    } else if (sources > 1) {
      errors.add(path.error("may not have more than one field specified at a time"));
    }
    if (source.hasFieldRef() && source.getFieldRef().getFieldPath().isEmpty()) {
      errors.add(path.child("fieldRef").child("fieldPath").required());
    }
    if (source.hasConfigMapKeyRef()) {
      FieldPath ref = path.child("configMapKeyRef");
      if (source.getConfigMapKeyRef().getName().isEmpty()) {
        errors.add(ref.child("name").required());
      }
      if (source.getConfigMapKeyRef().getKey().isEmpty()) {
        errors.add(ref.child("key").required());
      }
    }
    if (source.hasSecretKeyRef()) {
      FieldPath ref = path.child("secretKeyRef");
      if (source.getSecretKeyRef().getName().isEmpty()) {
        errors.add(ref.child("name").required());
      }
      if (source.getSecretKeyRef().getKey().isEmpty()) {
        errors.add(ref.child("key").required());
      }
    }
    return errors;
  }

  private static List<FieldError> resources(ResourceRequirements resources, FieldPath path) {
    List<FieldError> errors = new ArrayList<>();
    Map<String, Quantity> limits = quantities(resources.getLimitsMap(), path.child("limits"), errors);
    Map<String, Quantity> requests = quantities(resources.getRequestsMap(), path.child("requests"), errors);
    requests.forEach((name, request) -> {
      Quantity limit = limits.get(name);
      if (limit != null && request.compareTo(limit) > 0) {
        errors.add(path.child("requests").key(name).invalid(resources.getRequestsMap().get(name),
            "must be less than or equal to " + name + " limit of " + resources.getLimitsMap().get(name)));
      }
    });
    return errors;
  }

  /** The parsed, non-negative quantities of a limits or requests map; errors for the others. */
  private static Map<String, Quantity> quantities(Map<String, String> values, FieldPath path, List<FieldError> errors) {
    Map<String, Quantity> parsed = new HashMap<>();
    values.forEach((name, text) -> {
      List<String> nameErrors = LabelSyntax.keyErrors(name);
      if (!nameErrors.isEmpty()) {
        errors.add(path.invalid(name, "resource name: " + nameErrors.get(0)));
        return;
      }
      FieldPath at = path.key(name);
      Quantity quantity;
      try {
        quantity = Quantity.parse(text);
      } catch (IllegalArgumentException e) {
        errors.add(at.error(e.getMessage()));
        return;
      }
      if (quantity.signum() < 0) {
        errors.add(at.error("must be greater than or equal to 0"));
        return;
      }
      parsed.put(name, quantity);
    });
    return parsed;
  }

  private static List<FieldError> volumeMounts(List<VolumeMount> mounts, FieldPath path, Set<String> volumeNames) {
    List<FieldError> errors = new ArrayList<>();
    Set<String> mountPaths = new HashSet<>();
    for (int i = 0; i < mounts.size(); i++) {
      VolumeMount mount = mounts.get(i);
      FieldPath at = path.index(i);
      if (mount.getName().isEmpty()) {
        errors.add(at.child("name").required());
      } else if (!volumeNames.contains(mount.getName())) {
        errors.add(at.child("name").notFound(mount.getName()));
      }
      if (mount.getMountPath().isEmpty()) {
        errors.add(at.child("mountPath").required());
      } else if (!mountPaths.add(mount.getMountPath())) {
        errors.add(at.child("mountPath").invalid(mount.getMountPath(), "must be unique"));
      }
      if (!mount.getSubPath().isEmpty() && !VolumeValidator.isRelativeWithoutBacksteps(mount.getSubPath())) {
        errors.add(at.child("subPath").invalid(mount.getSubPath(), "must be a relative path without '..'"));
      }
    }
    return errors;
  }

  private static void probe(boolean present, Probe probe, FieldPath path, boolean init, boolean successMustBeOne,
      List<FieldError> errors) {
    if (!present) {
      return;
    }
    if (init) {
      errors.add(path.error("may not be set for init containers"));
      return;
    }
    int handlers = (probe.hasExec() ? 1 : 0) + (probe.hasHttpGet() ? 1 : 0) + (probe.hasTcpSocket() ? 1 : 0);
    if (handlers == 0) {
      errors.add(path.error("must specify a handler type"));
    } else if (handlers > 1) {
      errors.add(path.error("may not specify more than 1 handler type"));
    }
    if (probe.hasExec() && probe.getExec().getCommandCount() == 0) {
      errors.add(path.child("exec").child("command").required());
    }
    if (probe.hasHttpGet()) {
      HTTPGetAction get = probe.getHttpGet();
      port(get.getPort(), path.child("httpGet").child("port"), errors);
      if (!get.getScheme().isEmpty() && !Set.of("HTTP", "HTTPS").contains(get.getScheme())) {
        errors.add(path.child("httpGet").child("scheme").unsupported(get.getScheme(), "HTTP", "HTTPS"));
      }
    }
    if (probe.hasTcpSocket()) {
      port(probe.getTcpSocket().getPort(), path.child("tcpSocket").child("port"), errors);
    }
    nonNegative(probe.getInitialDelaySeconds(), path.child("initialDelaySeconds"), errors);
    nonNegative(probe.getTimeoutSeconds(), path.child("timeoutSeconds"), errors);
    nonNegative(probe.getPeriodSeconds(), path.child("periodSeconds"), errors);
    nonNegative(probe.getSuccessThreshold(), path.child("successThreshold"), errors);
    nonNegative(probe.getFailureThreshold(), path.child("failureThreshold"), errors);
    if (successMustBeOne && probe.getSuccessThreshold() > 1) {
      errors.add(path.child("successThreshold").error("must be 1"));
    }
  }

  /** A probe's port: a number 1..65535 or the name of a container port. */
  private static void port(String port, FieldPath path, List<FieldError> errors) {
    if (port.isEmpty()) {
      errors.add(path.required());
    } else if (port.chars().allMatch(Character::isDigit)) {
      long number = port.length() > 6 ? Long.MAX_VALUE : Long.parseLong(port);
      if (number < 1 || number > 65535) {
        errors.add(path.invalid(port, "must be between 1 and 65535, inclusive"));
      }
    } else {
      NameSyntax.ianaServiceName(port).ifPresent(why -> errors.add(path.invalid(port, why)));
    }
  }

  private static void nonNegative(long value, FieldPath path, List<FieldError> errors) {
    if (value < 0) {
      errors.add(path.error("must be greater than or equal to 0"));
    }
  }
}
