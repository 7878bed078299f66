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

  /** "pods", or "pods/status" for a subresource: the form RBAC rules name resources in. */
  public String resourcePath() {
    return subresource.isEmpty() ? resource : resource + "/" + subresource;
  }
}
