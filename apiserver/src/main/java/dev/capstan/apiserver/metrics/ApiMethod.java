package dev.capstan.apiserver.metrics;

import io.grpc.MethodDescriptor;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a gRPC method stands for in metrics and the audit log: the kind, from the service's simple
 * name ({@code capstan.core.v1.Pods} → {@code pods}), and the verb, from the method's name
 * ({@code UpdateStatus} → {@code updatestatus}).
 */
public record ApiMethod(String kind, String verb, boolean unary) {
  private static final Map<String, ApiMethod> CACHE = new ConcurrentHashMap<>();

  /** The method's labels; computed once per method, since every call asks. */
  public static ApiMethod of(MethodDescriptor<?, ?> method) {
    return CACHE.computeIfAbsent(method.getFullMethodName(), n -> parse(method));
  }

  private static ApiMethod parse(MethodDescriptor<?, ?> method) {
    String service = method.getServiceName() == null ? "" : method.getServiceName();
    String kind = service.substring(service.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
    String verb = String.valueOf(method.getBareMethodName()).toLowerCase(Locale.ROOT);
    return new ApiMethod(kind, verb, method.getType() == MethodDescriptor.MethodType.UNARY);
  }
}
