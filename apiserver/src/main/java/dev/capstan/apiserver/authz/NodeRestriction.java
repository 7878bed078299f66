package dev.capstan.apiserver.authz;

import dev.capstan.api.core.v1.Pod;
import dev.capstan.apiserver.authn.UserInfo;
import dev.capstan.client.Kinds;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Optional;

/**
 * Admission that narrows what a node agent may write, after RBAC allowed it (the system:node
 * role is the same for every node). A node's user is {@code system:node:<nodeName>} in group
 * {@code system:nodes}; it may change only its own Node, its own Lease in kube-node-lease, and of
 * pods only the status of those bound to it ({@code spec.nodeName} is its node) and their
 * deletion once it has stopped them. It may not create pods, change their spec or bind them.
 * It may ask for ServiceAccount tokens only bound to a pod on its node that runs as that
 * ServiceAccount ({@link #tokenRequestDenial}), the tokens of the pods' projected volumes.
 * Reads and writes of other kinds are left to RBAC.
 */
public final class NodeRestriction {
  public static final String NODE_LEASE_NAMESPACE = "kube-node-lease";

  /** Empty when allowed; otherwise why not. */
  public Optional<String> denial(UserInfo user, AccessRequest request) {
    boolean node = user.inGroup(UserInfo.SYSTEM_NODES) || user.name().startsWith(UserInfo.NODE_USER_PREFIX);
    if (!node || !request.isWrite()) {
      return Optional.empty();
    }
    boolean restricted = request.kind() == Kinds.NODE || request.kind() == Kinds.LEASE || request.kind() == Kinds.POD;
    if (!restricted) {
      return Optional.empty();
    }
    if (!user.name().startsWith(UserInfo.NODE_USER_PREFIX)
        || user.name().length() == UserInfo.NODE_USER_PREFIX.length()) {
      return Optional.of("could not determine the node of user \"" + user.name() + "\" (expected "
          + UserInfo.NODE_USER_PREFIX + "<nodeName>)");
    }
    String nodeName = user.name().substring(UserInfo.NODE_USER_PREFIX.length());
    if (request.kind() == Kinds.NODE) {
      return request.name().equals(nodeName) ? Optional.empty()
          : Optional.of("node \"" + nodeName + "\" is not allowed to modify node \"" + request.name() + "\"");
    }
    if (request.kind() == Kinds.LEASE) {
      return request.namespace().equals(NODE_LEASE_NAMESPACE) && request.name().equals(nodeName) ? Optional.empty()
          : Optional.of("node \"" + nodeName + "\" may only modify its own lease " + NODE_LEASE_NAMESPACE + "/"
              + nodeName + ", not " + request.namespace() + "/" + request.name());
    }
    return podDenial(nodeName, request);
  }

  private static Optional<String> podDenial(String nodeName, AccessRequest request) {
    boolean statusUpdate = request.subresource().equals("status")
        && (request.verb().equals(AccessRequest.UPDATE) || request.verb().equals(AccessRequest.PATCH));
    boolean delete = request.subresource().isEmpty() && request.verb().equals(AccessRequest.DELETE);
    if (!statusUpdate && !delete) {
      return Optional.of("node \"" + nodeName + "\" may only update the status of pods bound to it and delete"
          + " them, not " + request.verb() + " " + request.kind().resource()
          + (request.subresource().isEmpty() ? "" : "/" + request.subresource()));
    }
    // A status update carries the pod; if the server's cached copy of that uid is bound here, the
    // write can only reach a pod bound here: spec.nodeName never changes once set, and the
    // registry refuses an object whose uid is not the stored one's. So no store read. A copy that
    // would deny may be behind (not yet bound), so only the store's object denies.
    if (statusUpdate && request.cachedSameUid().get()
        .filter(copy -> ((Pod) copy).getSpec().getNodeName().equals(nodeName)).isPresent()) {
      return Optional.empty();
    }
    Optional<? extends com.google.protobuf.Message> stored = request.stored().get();
    if (stored.isEmpty()) {
      return Optional.empty();  // the registry answers NOT_FOUND; there is nothing to protect
    }
    String boundTo = ((Pod) stored.get()).getSpec().getNodeName();
    if (!boundTo.equals(nodeName)) {
      return Optional.of("node \"" + nodeName + "\" can only " + (delete ? "delete" : "update the status of")
          + " pods with spec.nodeName set to itself; pod " + request.namespace() + "/" + request.name()
          + " is " + (boundTo.isEmpty() ? "not bound to a node" : "bound to node \"" + boundTo + "\""));
    }
    return Optional.empty();
  }

  /**
   * Empty when {@code user} may have a token for ServiceAccount {@code namespace/serviceAccount}
   * bound to {@code boundPod}; otherwise why not. Only node users are restricted.
   */
  public Optional<String> tokenRequestDenial(UserInfo user, String namespace, String serviceAccount,
      Optional<Pod> boundPod) {
    boolean node = user.inGroup(UserInfo.SYSTEM_NODES) || user.name().startsWith(UserInfo.NODE_USER_PREFIX);
    if (!node) {
      return Optional.empty();
    }
    String nodeName = user.name().startsWith(UserInfo.NODE_USER_PREFIX)
        ? user.name().substring(UserInfo.NODE_USER_PREFIX.length()) : "";
    if (nodeName.isEmpty()) {
      return Optional.of("could not determine the node of user \"" + user.name() + "\" (expected "
          + UserInfo.NODE_USER_PREFIX + "<nodeName>)");
    }
    if (boundPod.isEmpty()) {
      return Optional.of("node \"" + nodeName + "\" may only ask for tokens bound to a pod (spec.boundObjectRef)");
    }
    Pod pod = boundPod.get();
    if (!pod.getSpec().getNodeName().equals(nodeName)) {
      return Optional.of("node \"" + nodeName + "\" may only ask for tokens of pods bound to it; pod " + namespace
          + "/" + pod.getMetadata().getName() + " is " + (pod.getSpec().getNodeName().isEmpty()
          ? "not bound to a node" : "bound to node \"" + pod.getSpec().getNodeName() + "\""));
    }
    return Optional.empty();
  }

  /** The PERMISSION_DENIED a denial becomes. */
  public static StatusRuntimeException forbidden(AccessRequest request, String why) {
    return Status.PERMISSION_DENIED.withDescription(ForbiddenMessage.target(request) + " is forbidden: " + why)
        .asRuntimeException();
  }
}
