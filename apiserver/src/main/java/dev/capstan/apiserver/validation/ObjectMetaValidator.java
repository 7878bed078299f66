package dev.capstan.apiserver.validation;

import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.meta.v1.OwnerReference;
import dev.capstan.client.selector.LabelSyntax;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Checks {@code metadata} as Kubernetes' ValidateObjectMeta does: the name is required and has
 * the kind's format, the namespace is required (a DNS-1123 label) for namespaced kinds and
 * forbidden for cluster-scoped ones, labels and annotations have valid keys and values, owner
 * references are complete and at most one is the controller. On update, name, namespace and uid
 * may not change.
 */
final class ObjectMetaValidator {
  /** Kubernetes' limit on the total size of an object's annotations. */
  static final int ANNOTATIONS_MAX_BYTES = 256 * 1024;

  private final boolean namespaced;
  private final Function<String, Optional<String>> nameFormat;

  private ObjectMetaValidator(boolean namespaced, Function<String, Optional<String>> nameFormat) {
    this.namespaced = namespaced;
    this.nameFormat = nameFormat;
  }

  /** Names must be DNS-1123 subdomains (most kinds). */
  static ObjectMetaValidator subdomainNames(boolean namespaced) {
    return new ObjectMetaValidator(namespaced, NameSyntax::dns1123Subdomain);
  }

  /** Names may be any path segment (RBAC kinds, whose names hold colons: system:node). */
  static ObjectMetaValidator pathSegmentNames(boolean namespaced) {
    return new ObjectMetaValidator(namespaced, NameSyntax::pathSegment);
  }

  /** Names must be DNS-1035 labels (Service: its name becomes a DNS name and an environment variable). */
  static ObjectMetaValidator dns1035LabelNames(boolean namespaced) {
    return new ObjectMetaValidator(namespaced, NameSyntax::dns1035Label);
  }

  /** Names must be DNS-1123 labels (Namespace). */
  static ObjectMetaValidator labelNames(boolean namespaced) {
    return new ObjectMetaValidator(namespaced, NameSyntax::dns1123Label);
  }

  List<FieldError> validate(ObjectMeta meta, ObjectMeta old) {
    FieldPath path = FieldPath.of("metadata");
    List<FieldError> errors = new ArrayList<>();
    if (meta.getName().isEmpty()) {
      errors.add(path.child("name").required());
    } else {
      nameFormat.apply(meta.getName()).ifPresent(why -> errors.add(path.child("name").invalid(meta.getName(), why)));
    }
    if (namespaced) {
      if (meta.getNamespace().isEmpty()) {
        errors.add(path.child("namespace").required());
      } else {
        NameSyntax.dns1123Label(meta.getNamespace())
            .ifPresent(why -> errors.add(path.child("namespace").invalid(meta.getNamespace(), why)));
      }
    } else if (!meta.getNamespace().isEmpty()) {
      errors.add(path.child("namespace").error("not allowed on this type"));
    }
    if (meta.getGeneration() < 0) {
      errors.add(path.child("generation").error("must be greater than or equal to 0"));
    }
    errors.addAll(labels(meta.getLabelsMap(), path.child("labels")));
    errors.addAll(annotations(meta.getAnnotationsMap(), path.child("annotations")));
    errors.addAll(ownerReferences(meta.getOwnerReferencesList(), path.child("ownerReferences")));
    for (int i = 0; i < meta.getFinalizersCount(); i++) {
      String finalizer = meta.getFinalizers(i);
      List<String> why = LabelSyntax.keyErrors(finalizer);
      if (!why.isEmpty()) {
        errors.add(path.child("finalizers").index(i).invalid(finalizer, why.get(0)));
      }
    }
    if (old != null) {
      if (!meta.getName().equals(old.getName())) {
        errors.add(path.child("name").immutable());
      }
      if (!meta.getNamespace().equals(old.getNamespace())) {
        errors.add(path.child("namespace").immutable());
      }
      if (!meta.getUid().isEmpty() && !meta.getUid().equals(old.getUid())) {
        errors.add(path.child("uid").immutable());
      }
    }
    return errors;
  }

  /** Label keys must be qualified names and values valid label values. */
  static List<FieldError> labels(Map<String, String> labels, FieldPath path) {
    List<FieldError> errors = new ArrayList<>();
    labels.forEach((key, value) -> {
      List<String> keyErrors = LabelSyntax.keyErrors(key);
      if (!keyErrors.isEmpty()) {
        errors.add(path.invalid(key, keyErrors.get(0)));
      }
      List<String> valueErrors = LabelSyntax.valueErrors(value);
      if (!valueErrors.isEmpty()) {
        errors.add(path.key(key).invalid(value, valueErrors.get(0)));
      }
    });
    return errors;
  }

  private static List<FieldError> annotations(Map<String, String> annotations, FieldPath path) {
    List<FieldError> errors = new ArrayList<>();
    long size = 0;
    for (Map.Entry<String, String> e : annotations.entrySet()) {
      List<String> keyErrors = LabelSyntax.keyErrors(e.getKey());
      if (!keyErrors.isEmpty()) {
        errors.add(path.invalid(e.getKey(), keyErrors.get(0)));
      }
      size += e.getKey().getBytes(StandardCharsets.UTF_8).length + e.getValue().getBytes(StandardCharsets.UTF_8).length;
    }
    if (size > ANNOTATIONS_MAX_BYTES) {
      errors.add(path.error("too long: must have at most " + ANNOTATIONS_MAX_BYTES + " bytes"));
    }
    return errors;
  }

  private static List<FieldError> ownerReferences(List<OwnerReference> references, FieldPath path) {
    List<FieldError> errors = new ArrayList<>();
    int controllers = 0;
    for (int i = 0; i < references.size(); i++) {
      OwnerReference ref = references.get(i);
      FieldPath at = path.index(i);
      if (ref.getApiVersion().isEmpty()) {
        errors.add(at.child("apiVersion").required());
      }
      if (ref.getKind().isEmpty()) {
        errors.add(at.child("kind").required());
      }
      if (ref.getName().isEmpty()) {
        errors.add(at.child("name").required());
      }
      if (ref.getUid().isEmpty()) {
        errors.add(at.child("uid").required());
      }
      if (ref.hasController() && ref.getController()) {
        controllers++;
      }
    }
    if (controllers > 1) {
      errors.add(path.error("only one reference can have controller set to true, found " + controllers));
    }
    return errors;
  }
}
