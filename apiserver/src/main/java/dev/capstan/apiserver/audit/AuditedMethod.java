package dev.capstan.apiserver.audit;

import dev.capstan.apiserver.metrics.ApiMethod;
import dev.capstan.client.Kind;
import dev.capstan.client.Kinds;
import io.grpc.MethodDescriptor;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A gRPC method of the API as an audit policy sees it, in Kubernetes' terms: the verb
 * ({@code UpdateStatus} is {@code update} of the {@code status} subresource, {@code Log} is
 * {@code get} of {@code pods/log}, {@code Exec} is {@code create} of {@code pods/exec}), the API
 * group and version, the resource and the subresource. These are the verbs and subresources the
 * services check RBAC with (ApiServer registers the subresource methods), so a policy names
 * requests as a Role does. Computed once per method.
 *
 * @param resourcePath "pods", or "pods/log" for a subresource: how policy rules name resources
 * @param longRunning a call that may stay open (server-streaming: watch, pods/log; and pods/exec),
 *     which gets a {@code ResponseStarted} event when its response starts
 * @param streaming the response is a stream (its messages are never recorded as the response object)
 */
public record AuditedMethod(String verb, String apiGroup, String apiVersion, String resource, String subresource,
    String resourcePath, boolean longRunning, boolean streaming) {
  /** gRPC verbs of subresource methods: Kubernetes' verb, then the subresource. */
  private static final Map<String, String[]> SUBRESOURCE_VERBS = Map.of(
      "updatestatus", new String[] {"update", "status"},
      "bind", new String[] {"create", "binding"},
      "log", new String[] {"get", "log"},
      "exec", new String[] {"create", "exec"},
      "getscale", new String[] {"get", "scale"},
      "updatescale", new String[] {"update", "scale"},
      "createtoken", new String[] {"create", "token"},
      "stats", new String[] {"get", "stats"});
  private static final Map<String, AuditedMethod> CACHE = new ConcurrentHashMap<>();

  public static AuditedMethod of(MethodDescriptor<?, ?> method) {
    return CACHE.computeIfAbsent(method.getFullMethodName(), n -> parse(method));
  }

  /** A method of the given shape; for tests and for callers that know the Kubernetes names. */
  public static AuditedMethod of(String verb, String apiGroup, String resource, String subresource) {
    return new AuditedMethod(verb, apiGroup, "v1", resource, subresource,
        subresource.isEmpty() ? resource : resource + "/" + subresource, false, false);
  }

  private static AuditedMethod parse(MethodDescriptor<?, ?> method) {
    ApiMethod api = ApiMethod.of(method);
    String service = method.getServiceName() == null ? "" : method.getServiceName();
    String[] verbAndSub = SUBRESOURCE_VERBS.getOrDefault(api.verb(), new String[] {api.verb(), ""});
    String pkg = service.contains(".") ? service.substring(0, service.lastIndexOf('.')) : "";
    String apiVersion = pkg.substring(pkg.lastIndexOf('.') + 1);
    Kind<?> kind = Kinds.all().stream().filter(k -> k.service().getName().equals(service)).findFirst()
        .orElse(null);
    String group = kind != null ? kind.group() : groupOfPackage(pkg);
    String resource = kind != null ? kind.resource() : api.kind();
    String sub = verbAndSub[1];
    boolean streaming = method.getType() == MethodDescriptor.MethodType.SERVER_STREAMING;
    return new AuditedMethod(verbAndSub[0], group, apiVersion, resource, sub,
        sub.isEmpty() ? resource : resource + "/" + sub, streaming || sub.equals("exec"), streaming);
  }

  /**
   * The Kubernetes group of a service that serves no stored kind ({@code capstan.authorization.v1}
   * → {@code authorization.k8s.io}).
   */
  private static String groupOfPackage(String pkg) {
    String[] parts = pkg.split("\\.");
    if (parts.length < 3) {
      return "";
    }
    String group = parts[parts.length - 2];
    return switch (group) {
      case "core" -> "";
      case "apps", "batch" -> group;
      default -> group + ".k8s.io";
    };
  }
}
