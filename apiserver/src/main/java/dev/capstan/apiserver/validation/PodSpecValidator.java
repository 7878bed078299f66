package dev.capstan.apiserver.validation;

import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.ContainerPort;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.Toleration;
import dev.capstan.client.selector.LabelSyntax;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a pod spec wherever it appears (a Pod's {@code spec}, a template's
 * {@code spec.template.spec}) as Kubernetes' ValidatePodSpec does, and the update rule for pods:
 * a running pod's spec may change only in its container images, its activeDeadlineSeconds
 * (set or lowered), additional tolerations, and a nodeName that was not yet set.
 */
final class PodSpecValidator {
  private static final String[] RESTART_POLICIES = {"Always", "OnFailure", "Never"};
  private static final String[] DNS_POLICIES = {"ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"};
  private static final String[] TAINT_EFFECTS = {"NoSchedule", "PreferNoSchedule", "NoExecute"};
  private static final String IMMUTABLE_POD_SPEC = "pod updates may not change fields other than"
      + " `spec.containers[*].image`, `spec.initContainers[*].image`, `spec.activeDeadlineSeconds`,"
      + " `spec.tolerations` (only additions to existing tolerations) or an unset `spec.nodeName`";

  private PodSpecValidator() {}

  static List<FieldError> validate(PodSpec spec, FieldPath path) {
    List<FieldError> errors = new ArrayList<>();
    Set<String> volumeNames = VolumeValidator.volumes(spec.getVolumesList(), path.child("volumes"), errors);
    if (spec.getContainersCount() == 0) {
      errors.add(path.child("containers").required());
    }
    Set<String> containerNames = new HashSet<>();
    containers(spec.getInitContainersList(), path.child("initContainers"), volumeNames, containerNames, true, errors);
    containers(spec.getContainersList(), path.child("containers"), volumeNames, containerNames, false, errors);
    hostPorts(spec, path, errors);
    oneOf(spec.getRestartPolicy(), path.child("restartPolicy"), RESTART_POLICIES, errors);
    oneOf(spec.getDnsPolicy(), path.child("dnsPolicy"), DNS_POLICIES, errors);
    if (spec.hasTerminationGracePeriodSeconds() && spec.getTerminationGracePeriodSeconds() < 0) {
      errors.add(path.child("terminationGracePeriodSeconds").error("must be greater than or equal to 0"));
    }
    if (spec.hasActiveDeadlineSeconds() && spec.getActiveDeadlineSeconds() < 1) {
      errors.add(path.child("activeDeadlineSeconds").error("must be greater than or equal to 1"));
    }
    errors.addAll(ObjectMetaValidator.labels(spec.getNodeSelectorMap(), path.child("nodeSelector")));
    subdomainIfSet(spec.getNodeName(), path.child("nodeName"), errors);
    subdomainIfSet(spec.getSchedulerName(), path.child("schedulerName"), errors);
    subdomainIfSet(spec.getServiceAccountName(), path.child("serviceAccountName"), errors);
    labelIfSet(spec.getHostname(), path.child("hostname"), errors);
    labelIfSet(spec.getSubdomain(), path.child("subdomain"), errors);
    for (int i = 0; i < spec.getTolerationsCount(); i++) {
      toleration(spec.getTolerations(i), path.child("tolerations").index(i), errors);
    }
    return errors;
  }

  /**
   * Errors in changing a pod's spec from {@code old} to {@code spec}, as Kubernetes'
   * ValidatePodUpdate: only container images, activeDeadlineSeconds (set, or lowered), added
   * tolerations and a first nodeName may change. Binding sets nodeName through the registry;
   * a plain update may not move a pod that already has a node.
   */
  static List<FieldError> validateUpdate(PodSpec spec, PodSpec old, FieldPath path) {
    List<FieldError> errors = new ArrayList<>();
    if (!old.getNodeName().isEmpty() && !spec.getNodeName().equals(old.getNodeName())) {
      errors.add(path.child("nodeName").immutable());
    }
    if (old.hasActiveDeadlineSeconds()) {
      if (!spec.hasActiveDeadlineSeconds()) {
        errors.add(path.child("activeDeadlineSeconds").error("must not be removed once set"));
      } else if (spec.getActiveDeadlineSeconds() > old.getActiveDeadlineSeconds()) {
        errors.add(path.child("activeDeadlineSeconds").error(
            "must be less than or equal to previous value " + old.getActiveDeadlineSeconds()));
      }
    }
    if (!spec.getTolerationsList().containsAll(old.getTolerationsList())) {
      errors.add(path.child("tolerations").error("existing tolerations may not be changed or removed, only added to"));
    }
    if (spec.getContainersCount() != old.getContainersCount()
        || spec.getInitContainersCount() != old.getInitContainersCount()) {
      errors.add(path.error(IMMUTABLE_POD_SPEC));
      return errors;
    }
    // Overwrite what may change with the old values; anything still different may not change.
    PodSpec.Builder comparable = spec.toBuilder()
        .setNodeName(old.getNodeName())
        .clearTolerations().addAllTolerations(old.getTolerationsList());
    if (old.hasActiveDeadlineSeconds()) {
      comparable.setActiveDeadlineSeconds(old.getActiveDeadlineSeconds());
    } else {
      comparable.clearActiveDeadlineSeconds();
    }
    for (int i = 0; i < spec.getContainersCount(); i++) {
      comparable.setContainers(i, spec.getContainers(i).toBuilder().setImage(old.getContainers(i).getImage()));
    }
    for (int i = 0; i < spec.getInitContainersCount(); i++) {
      comparable.setInitContainers(i, spec.getInitContainers(i).toBuilder().setImage(old.getInitContainers(i).getImage()));
    }
    if (!comparable.build().equals(old)) {
      errors.add(path.error(IMMUTABLE_POD_SPEC));
    }
    return errors;
  }

  private static void containers(List<Container> containers, FieldPath path, Set<String> volumeNames,
      Set<String> names, boolean init, List<FieldError> errors) {
    for (int i = 0; i < containers.size(); i++) {
      Container container = containers.get(i);
      FieldPath at = path.index(i);
      if (container.getName().isEmpty()) {
        errors.add(at.child("name").required());
      } else {
        Optional<String> why = NameSyntax.dns1123Label(container.getName());
        if (why.isPresent()) {
          errors.add(at.child("name").invalid(container.getName(), why.get()));
        } else if (!names.add(container.getName())) {
          errors.add(at.child("name").duplicate(container.getName()));
        }
      }
      errors.addAll(ContainerValidator.validate(container, at, volumeNames, init));
    }
  }

  /** No two containers of a pod may claim the same host port and protocol. */
  private static void hostPorts(PodSpec spec, FieldPath path, List<FieldError> errors) {
    Set<String> claimed = new HashSet<>();
    for (int i = 0; i < spec.getContainersCount(); i++) {
      List<ContainerPort> ports = spec.getContainers(i).getPortsList();
      for (int j = 0; j < ports.size(); j++) {
        ContainerPort port = ports.get(j);
        if (port.getHostPort() <= 0) {
          continue;
        }
        String protocol = port.getProtocol().isEmpty() ? "TCP" : port.getProtocol();
        String claim = port.getHostIp() + ":" + port.getHostPort() + "/" + protocol;
        if (!claimed.add(claim)) {
          errors.add(path.child("containers").index(i).child("ports").index(j).child("hostPort")
              .duplicate(port.getHostPort() + "/" + protocol));
        }
      }
    }
  }

  private static void toleration(Toleration toleration, FieldPath path, List<FieldError> errors) {
    if (!toleration.getKey().isEmpty()) {
      List<String> why = LabelSyntax.keyErrors(toleration.getKey());
      if (!why.isEmpty()) {
        errors.add(path.child("key").invalid(toleration.getKey(), why.get(0)));
      }
    }
    String operator = toleration.getOperator();
    if (toleration.getKey().isEmpty() && !operator.equals("Exists")) {
      errors.add(path.child("operator").error("must be Exists when `key` is empty, which means"
          + " \"match all values and all keys\""));
    }
    switch (operator) {
      case "", "Equal" -> {
        List<String> why = LabelSyntax.valueErrors(toleration.getValue());
        if (!why.isEmpty()) {
          errors.add(path.child("value").invalid(toleration.getValue(), why.get(0)));
        }
      }
      case "Exists" -> {
        if (!toleration.getValue().isEmpty()) {
          errors.add(path.child("value").error("must be empty when `operator` is 'Exists'"));
        }
      }
      default -> errors.add(path.child("operator").unsupported(operator, "Equal", "Exists"));
    }
    oneOf(toleration.getEffect(), path.child("effect"), TAINT_EFFECTS, errors);
    if (toleration.hasTolerationSeconds() && !toleration.getEffect().equals("NoExecute")) {
      errors.add(path.child("effect").error("must be 'NoExecute' when `tolerationSeconds` is set"));
    }
  }

  /** An enum-like field: empty (the default applies) or one of the supported values. */
  static void oneOf(String value, FieldPath path, String[] supported, List<FieldError> errors) {
    if (!value.isEmpty() && !List.of(supported).contains(value)) {
      errors.add(path.unsupported(value, supported));
    }
  }

  private static void subdomainIfSet(String value, FieldPath path, List<FieldError> errors) {
    if (!value.isEmpty()) {
      NameSyntax.dns1123Subdomain(value).ifPresent(why -> errors.add(path.invalid(value, why)));
    }
  }

  private static void labelIfSet(String value, FieldPath path, List<FieldError> errors) {
    if (!value.isEmpty()) {
      NameSyntax.dns1123Label(value).ifPresent(why -> errors.add(path.invalid(value, why)));
    }
  }
}
