package dev.capstan.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.capstan.api.meta.v1.ObjectMeta;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import java.lang.invoke.LambdaMetafactory;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;

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
  private final FieldDescriptor apiVersionField;
  private final FieldDescriptor kindField;
  // The generated accessors of the metadata field, made on first use (a one-shot CLI command
  // touches a kind or two; making them for every kind cost start-up ~90 ms).
  private volatile MetadataAccessors metadataAccessors;

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
    this.apiVersionField = defaultInstance.getDescriptorForType().findFieldByName("api_version");
    this.kindField = defaultInstance.getDescriptorForType().findFieldByName("kind");
  }

  /**
   * The generated getMetadata, setMetadata and getMetadataBuilder of one kind, called directly:
   * every request reads an object's metadata many times, and protobuf's reflective
   * getField/setField go through java.lang.reflect on each call.
   */
  private record MetadataAccessors(Function<Message, ObjectMeta> get, BiConsumer<Message.Builder, ObjectMeta> set,
      Function<Message.Builder, ObjectMeta.Builder> builder) {
    static MetadataAccessors of(Message defaultInstance) {
      Class<?> builderType = defaultInstance.newBuilderForType().getClass();
      return new MetadataAccessors(
          accessor(Function.class, "apply", defaultInstance.getClass(), "getMetadata",
              MethodType.methodType(ObjectMeta.class)),
          accessor(BiConsumer.class, "accept", builderType, "setMetadata",
              MethodType.methodType(builderType, ObjectMeta.class)),
          accessor(Function.class, "apply", builderType, "getMetadataBuilder",
              MethodType.methodType(ObjectMeta.Builder.class)));
    }
  }

  private MetadataAccessors accessors() {
    MetadataAccessors a = metadataAccessors;
    if (a == null) {
      a = MetadataAccessors.of(defaultInstance);  // two threads may both make them: equal, one kept
      metadataAccessors = a;
    }
    return a;
  }

  /**
   * An instance of {@code face} (a functional interface) whose method calls the public method
   * {@code name} of the generated class {@code owner}.
   */
  @SuppressWarnings("unchecked")
  private static <F> F accessor(Class<?> face, String method, Class<?> owner, String name, MethodType type) {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      MethodHandle target = lookup.findVirtual(owner, name, type);
      boolean function = face == Function.class;  // else a BiConsumer, dropping the setter's result
      MethodType samType = function ? MethodType.methodType(Object.class, Object.class)
          : MethodType.methodType(void.class, Object.class, Object.class);
      MethodType instantiated = function ? target.type() : target.type().changeReturnType(void.class);
      return (F) LambdaMetafactory.metafactory(lookup, method, MethodType.methodType(face), samType, target,
          instantiated).getTarget().invoke();
    } catch (Throwable e) {
      throw new IllegalStateException(owner.getName() + " has no usable " + name, e);
    }
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
    return accessors().get().apply(object);
  }

  public T withMetadata(T object, ObjectMeta metadata) {
    @SuppressWarnings("unchecked")
    Message.Builder b = object.toBuilder();
    accessors().set().accept(b, metadata);
    T t = (T) b.build();
    return t;
  }

  /** The object with apiVersion and kind filled in, as Kubernetes returns them. */
  public T withTypeMeta(T object) {
    // Clients mostly send both already: no copy then.
    if (apiVersion.equals(object.getField(apiVersionField)) && kind.equals(object.getField(kindField))) {
      return object;
    }
    @SuppressWarnings("unchecked")
    T t = (T) object.toBuilder().setField(apiVersionField, apiVersion).setField(kindField, kind).build();
    return t;
  }

  /**
   * Decodes a stored object and sets its {@code metadata.resourceVersion} while it is still a
   * builder, instead of copying the decoded object to change one field.
   */
  public T parseWithResourceVersion(ByteString bytes, String resourceVersion) {
    Message.Builder b = defaultInstance.newBuilderForType();
    try {
      b.mergeFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt " + kind + " in store", e);
    }
    accessors().builder().apply(b).setResourceVersion(resourceVersion);
    @SuppressWarnings("unchecked")
    T t = (T) b.build();
    return t;
  }

  /** "namespace/name" for namespaced kinds, "name" otherwise: the key informers and queues use. */
  public String key(Message object) {
    ObjectMeta m = metadata(object);
    return namespaced ? m.getNamespace() + "/" + m.getName() : m.getName();
  }

  @Override
  public String toString() { return apiVersion + "/" + kind; }
}
