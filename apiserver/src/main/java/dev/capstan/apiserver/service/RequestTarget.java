package dev.capstan.apiserver.service;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.capstan.api.meta.v1.ObjectMeta;

/**
 * The namespace and name a request message targets, read generically: from its {@code metadata}
 * when it carries an object (Binding, Scale), else from its {@code namespace} and {@code name}
 * fields (GetRequest, PodLogRequest). Missing fields read as empty. Authorization and the audit
 * log both name the target this way.
 */
public record RequestTarget(String namespace, String name) {
  public static RequestTarget of(Message request) {
    var type = request.getDescriptorForType();
    FieldDescriptor metadata = type.findFieldByName("metadata");
    if (metadata != null && metadata.getJavaType() == FieldDescriptor.JavaType.MESSAGE
        && request.getField(metadata) instanceof ObjectMeta meta) {
      return new RequestTarget(meta.getNamespace(), meta.getName());
    }
    return new RequestTarget(string(request, "namespace"), string(request, "name"));
  }

  private static String string(Message m, String field) {
    FieldDescriptor f = m.getDescriptorForType().findFieldByName(field);
    return f != null && f.getJavaType() == FieldDescriptor.JavaType.STRING ? (String) m.getField(f) : "";
  }
}
