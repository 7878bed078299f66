package dev.capstan.apiserver.authz;

import dev.capstan.apiserver.authn.UserInfo;

/**
 * What an authorizer decides on: who ({@code user}) wants to do what ({@code verb}: create, get,
 * list, watch, update, patch, delete, deletecollection) to which resource ({@code apiGroup}, {@code resource},
 * {@code subresource}), where ({@code namespace}, empty for cluster-scoped resources and for
 * requests across all namespaces) and, when the request names one object, which ({@code name}).
 */
public record RequestAttributes(UserInfo user, String verb, String apiGroup, String resource, String subresource,
    String namespace, String name) {

  /**
   * The attributes of {@code request} made by {@code user}. A create of an object carries no name,
   * as in Kubernetes, which authorizes a create before the object has one (it may be generated):
   * so {@code resourceNames} never allow a create. A create of a subresource (pods/binding,
   * serviceaccounts/token) keeps the name of the object it belongs to.
   */
  public static RequestAttributes of(UserInfo user, AccessRequest request) {
    boolean namelessCreate = request.verb().equals(AccessRequest.CREATE) && request.subresource().isEmpty();
    return new RequestAttributes(user, request.verb(), request.kind().group(), request.kind().resource(),
        request.subresource(), request.kind().namespaced() ? request.namespace() : "",
        namelessCreate ? "" : request.name());
  }

  /** "pods", or "pods/status" for a subresource: the form RBAC rules name resources in. */
  public String resourcePath() {
    return subresource.isEmpty() ? resource : resource + "/" + subresource;
  }
}
