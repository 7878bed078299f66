package dev.capstan.apiserver.authz;

import dev.capstan.apiserver.registry.ApiErrors;

/**
 * Words a denial the way Kubernetes users know it, naming the user, the verb, the resource and
 * where: {@code pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the
 * namespace "other"}.
 */
final class ForbiddenMessage {
  private ForbiddenMessage() {}

  static String rbac(AccessRequest request, RequestAttributes a) {
    String where = a.namespace().isEmpty() ? "at the cluster scope" : "in the namespace \"" + a.namespace() + "\"";
    return target(request) + " is forbidden: User \"" + a.user().name() + "\" cannot " + a.verb() + " resource \""
        + a.resourcePath() + "\" in API group \"" + a.apiGroup() + "\" " + where;
  }

  /** {@code pods} or {@code pods "web-1"}, with the group for non-core kinds. */
  static String target(AccessRequest request) {
    String resource = ApiErrors.qualifiedResource(request.kind());
    return request.name().isEmpty() ? resource : resource + " \"" + request.name() + "\"";
  }
}
