package dev.capstan.client;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.capstan.api.meta.v1.ObjectMeta;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import java.util.List;

/**
 * Everything generic code needs to know about one resource kind: its API group/version, names,
 * scope, message types and gRPC service. Instances live in {@link Kinds}.
 *
 * @param <T> the resource message, e.g. {@code Pod}
 */
public final class Kind<T extends Message> {
  private final String apiVersion;
  private final String kind;
  private final String resource;
  private final boolean namespaced;
  private final T defaultInstance;
  private final Message listDefault;
  private final Message watchEventDefault;
  private final ServiceDescriptor service;
  private final List<String> shortNames;
  private final FieldDescriptor metadataField;
  private final FieldDescriptor apiVersionField;
  private final FieldDescriptor kindField;

  Kind(String apiVersion, String kind, String resource, boolean namespaced, T defaultInstance,
      Message listDefault, Message watchEventDefault, ServiceDescriptor service, List<String> shortNames) {
    this.apiVersion = apiVersion;
    this.kind = kind;
    this.resource = resource;
    this.namespaced = namespaced;
    this.defaultInstance = defaultInstance;
    this.listDefault = listDefault;
    this.watchEventDefault = watchEventDefault;
    this.service = service;
    this.shortNames = List.copyOf(shortNames);
    this.metadataField = defaultInstance.getDescriptorForType().findFieldByName("metadata");
    this.apiVersionField = defaultInstance.getDescriptorForType().findFieldByName("api_version");
    this.kindField = defaultInstance.getDescriptorForType().findFieldByName("kind");
  }

  /** "v1", "apps/v1", "coordination.k8s.io/v1". */
  public String apiVersion() { return apiVersion; }

  /** The API group: "" for core, "apps", "coordination.k8s.io". */
  public String group() {
    int slash = apiVersion.indexOf('/');
    return slash < 0 ? "" : apiVersion.substring(0, slash);
  }

  /** "Pod", "Deployment". */
  public String kind() { return kind; }

  /** The plural lower-case resource name used in store keys and RBAC: "pods". */
  public String resource() { return resource; }

  public boolean namespaced() { return namespaced; }

  public T defaultInstance() { return defaultInstance; }

  public Message listDefault() { return listDefault; }

  public Message watchEventDefault() { return watchEventDefault; }

  public ServiceDescriptor service() { return service; }

  public List<String> shortNames() { return shortNames; }

  public Class<T> type() {
    @SuppressWarnings("unchecked")
    Class<T> c = (Class<T>) defaultInstance.getClass();
    return c;
  }

  /** The service's method with this simple name ("Create", "List", ...). */
  public MethodDescriptor<?, ?> method(String name) {
    String full = service.getName() + "/" + name;
    for (MethodDescriptor<?, ?> m : service.getMethods()) {
      if (m.getFullMethodName().equals(full)) {
        return m;
      }
    }
    throw new IllegalArgumentException(kind + " has no method " + name);
  }

  public ObjectMeta metadata(Message object) {
    return (ObjectMeta) object.getField(metadataField);
  }

  public T withMetadata(T object, ObjectMeta metadata) {
    @SuppressWarnings("unchecked")
    T t = (T) object.toBuilder().setField(metadataField, metadata).build();
    return t;
  }

  /** The object with apiVersion and kind filled in, as Kubernetes returns them. */
  public T withTypeMeta(T object) {
    @SuppressWarnings("unchecked")
    T t = (T) object.toBuilder().setField(apiVersionField, apiVersion).setField(kindField, kind).build();
    return t;
  }

  public T parseFrom(byte[] bytes) {
    try {
      @SuppressWarnings("unchecked")
      T t = (T) defaultInstance.getParserForType().parseFrom(bytes);
      return t;
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt " + kind + " in store", e);
    }
  }

  /** "namespace/name" for namespaced kinds, "name" otherwise: the key informers and queues use. */
  public String key(Message object) {
    ObjectMeta m = metadata(object);
    return namespaced ? m.getNamespace() + "/" + m.getName() : m.getName();
  }

  @Override
  public String toString() { return apiVersion + "/" + kind; }
}
