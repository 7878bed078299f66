package dev.capstan.apiserver.registry;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.capstan.client.Kind;
import dev.capstan.client.Kinds;
import dev.capstan.client.selector.FieldQuery;
import dev.capstan.client.selector.LabelQuery;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The namespace, label-selector and field-selector test of a List or Watch request. Field
 * selectors accept only the fields Kubernetes indexes for the kind; any other is an error that
 * names it.
 */
public final class ObjectFilter<T extends Message> {
  private static final Set<String> COMMON_FIELDS = Set.of("metadata.name", "metadata.namespace");
  private static final Map<Kind<?>, Set<String>> KIND_FIELDS = Map.of(
      Kinds.POD, Set.of("spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
          "spec.serviceAccountName", "status.phase", "status.podIP"),
      Kinds.NODE, Set.of("spec.unschedulable"),
      Kinds.NAMESPACE, Set.of("status.phase"),
      Kinds.EVENT, Set.of("involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
          "involvedObject.uid", "reason", "type", "source"));

  private final Kind<T> kind;
  private final String namespace;
  private final LabelQuery labels;
  private final FieldQuery fields;

  private ObjectFilter(Kind<T> kind, String namespace, LabelQuery labels, FieldQuery fields) {
    this.kind = kind;
    this.namespace = namespace;
    this.labels = labels;
    this.fields = fields;
  }

  /** Parses the selectors of a request; bad syntax or an unsupported field is INVALID_ARGUMENT. */
  public static <T extends Message> ObjectFilter<T> of(Kind<T> kind, String namespace, String labelSelector,
      String fieldSelector) {
    LabelQuery labels;
    FieldQuery fields;
    try {
      labels = LabelQuery.parse(labelSelector);
    } catch (IllegalArgumentException e) {
      throw ApiErrors.badRequest("labelSelector: " + e.getMessage());
    }
    try {
      fields = FieldQuery.parse(fieldSelector);
    } catch (IllegalArgumentException e) {
      throw ApiErrors.badRequest("fieldSelector: " + e.getMessage());
    }
    for (String f : fields.fields()) {
      if (!COMMON_FIELDS.contains(f) && !KIND_FIELDS.getOrDefault(kind, Set.of()).contains(f)) {
        throw ApiErrors.badRequest("fieldSelector: field label not supported for " + kind.kind() + ": \"" + f
            + "\" (supported: " + String.join(", ", supportedFields(kind)) + ")");
      }
    }
    return new ObjectFilter<>(kind, kind.namespaced() ? namespace : "", labels, fields);
  }

  /** The fields a field selector on {@code kind} may name, sorted. */
  public static List<String> supportedFields(Kind<?> kind) {
    java.util.TreeSet<String> all = new java.util.TreeSet<>(COMMON_FIELDS);
    all.addAll(KIND_FIELDS.getOrDefault(kind, Set.of()));
    return List.copyOf(all);
  }

  public boolean matches(T object) {
    var meta = kind.metadata(object);
    return matches(new Selectable() {
      @Override
      public String namespace() {
        return meta.getNamespace();
      }

      @Override
      public Map<String, String> labels() {
        return meta.getLabelsMap();
      }

      @Override
      public String field(String path) {
        return fieldValue(object, path);
      }
    });
  }

  /** As {@link #matches(Message)}, for an object known by its selector fields (a cached one, say). */
  public boolean matches(Selectable object) {
    if (!namespace.isEmpty() && !namespace.equals(object.namespace())) {
      return false;
    }
    return labels.matches(object.labels()) && fields.matches(object::field);
  }

  /** The namespace the request is confined to; empty for all. */
  public String namespace() {
    return namespace;
  }

  /** The text of a scalar field by its JSON path ("spec.nodeName"), "" when unset. */
  static String fieldValue(Message object, String path) {
    Message current = object;
    List<String> parts = List.of(path.split("\\."));
    for (int i = 0; i < parts.size(); i++) {
      FieldDescriptor fd = findByJsonName(current.getDescriptorForType(), parts.get(i));
      if (fd == null || fd.isRepeated()) {
        return "";
      }
      Object value = current.getField(fd);
      if (i == parts.size() - 1) {
        if (fd.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
          return "";
        }
        return String.valueOf(value);
      }
      if (!(value instanceof Message m)) {
        return "";
      }
      current = m;
    }
    return "";
  }

  /** The field of {@code type} with that JSON name; null if none. */
  static FieldDescriptor findByJsonName(Descriptor type, String jsonName) {
    for (FieldDescriptor fd : type.getFields()) {
      if (fd.getJsonName().equals(jsonName)) {
        return fd;
      }
    }
    return null;
  }
}
