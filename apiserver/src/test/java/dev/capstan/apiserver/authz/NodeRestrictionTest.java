package dev.capstan.apiserver.authz;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.apiserver.authn.UserInfo;
import dev.capstan.client.Kind;
import dev.capstan.client.Kinds;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NodeRestrictionTest {
  private static final UserInfo NODE_A = new UserInfo("system:node:a", "a", List.of(UserInfo.SYSTEM_NODES));
  private static final UserInfo ADMIN = new UserInfo("admin", "0", List.of(UserInfo.SYSTEM_MASTERS));
  private final NodeRestriction restriction = new NodeRestriction();

  private static AccessRequest req(Kind<?> kind, String verb, String sub, String ns, String name, String boundTo) {
    Optional<? extends Message> stored = boundTo == null ? Optional.empty()
        : Optional.of(Pod.newBuilder().setSpec(PodSpec.newBuilder().setNodeName(boundTo)).build());
    return new AccessRequest(kind, verb, sub, ns, name, () -> stored);
  }

  private boolean allowed(UserInfo user, AccessRequest r) {
    return restriction.denial(user, r).isEmpty();
  }

  @Test
  void aNodeWritesOnlyItsOwnNodeAndLease() {
    assertThat(allowed(NODE_A, req(Kinds.NODE, "create", "", "", "a", null))).isTrue();
    assertThat(allowed(NODE_A, req(Kinds.NODE, "update", "status", "", "a", null))).isTrue();
    assertThat(allowed(NODE_A, req(Kinds.NODE, "update", "status", "", "b", null))).isFalse();
    assertThat(allowed(NODE_A, req(Kinds.NODE, "delete", "", "", "b", null))).isFalse();
    assertThat(allowed(NODE_A, req(Kinds.LEASE, "update", "", "kube-node-lease", "a", null))).isTrue();
    assertThat(allowed(NODE_A, req(Kinds.LEASE, "update", "", "kube-node-lease", "b", null))).isFalse();
    assertThat(allowed(NODE_A, req(Kinds.LEASE, "create", "", "kube-system", "a", null))).isFalse();
  }

  @Test
  void aNodeUpdatesStatusOfAndDeletesOnlyPodsBoundToIt() {
    assertThat(allowed(NODE_A, req(Kinds.POD, "update", "status", "default", "p", "a"))).isTrue();
    assertThat(allowed(NODE_A, req(Kinds.POD, "delete", "", "default", "p", "a"))).isTrue();
    assertThat(restriction.denial(NODE_A, req(Kinds.POD, "update", "status", "default", "p", "b")))
        .hasValueSatisfying(why -> assertThat(why).contains("node \"a\"", "bound to node \"b\""));
    assertThat(allowed(NODE_A, req(Kinds.POD, "update", "status", "default", "p", ""))).isFalse();
    assertThat(allowed(NODE_A, req(Kinds.POD, "delete", "", "default", "p", "b"))).isFalse();
    assertThat(allowed(NODE_A, req(Kinds.POD, "update", "", "default", "p", "a"))).as("spec").isFalse();
    assertThat(allowed(NODE_A, req(Kinds.POD, "create", "", "default", "p", null))).isFalse();
    assertThat(allowed(NODE_A, req(Kinds.POD, "create", "binding", "default", "p", null))).isFalse();
  }

  @Test
  void readsOtherKindsAndOtherUsersAreLeftToRbac() {
    assertThat(allowed(NODE_A, req(Kinds.POD, "get", "", "default", "p", "b"))).isTrue();
    assertThat(allowed(NODE_A, req(Kinds.POD, "list", "", "", "", null))).isTrue();
    assertThat(allowed(NODE_A, req(Kinds.CONFIG_MAP, "update", "", "default", "c", null))).isTrue();
    assertThat(allowed(ADMIN, req(Kinds.POD, "update", "status", "default", "p", "b"))).isTrue();
  }

  @Test
  void aNodesGroupMemberWithoutANodeNameMayWriteNoNodeObjects() {
    UserInfo odd = new UserInfo("kubelet", "k", List.of(UserInfo.SYSTEM_NODES));
    assertThat(restriction.denial(odd, req(Kinds.NODE, "update", "", "", "kubelet", null)))
        .hasValueSatisfying(why -> assertThat(why).contains("could not determine the node"));
  }

  private static Optional<? extends Message> boundPod(String node) {
    return Optional.of(Pod.newBuilder().setSpec(PodSpec.newBuilder().setNodeName(node)).build());
  }

  @Test
  void aStatusUpdateWhoseCachedCopyIsBoundToTheNodeNeedsNoStoreRead() {
    AccessRequest r = new AccessRequest(Kinds.POD, "update", "status", "default", "p",
        () -> {
          throw new AssertionError("the store was read");
        },
        () -> boundPod("a"));
    assertThat(allowed(NODE_A, r)).isTrue();
  }

  @Test
  void aCachedCopyThatWouldDenyIsCheckedAgainstTheStore() {
    // The copy may be behind: bound since, or (for a delete, which carries no object) not used at all.
    assertThat(allowed(NODE_A, new AccessRequest(Kinds.POD, "update", "status", "default", "p",
        () -> boundPod("a"), () -> boundPod("")))).isTrue();
    assertThat(allowed(NODE_A, new AccessRequest(Kinds.POD, "update", "status", "default", "p",
        () -> boundPod("b"), () -> boundPod("b")))).isFalse();
    assertThat(allowed(NODE_A, new AccessRequest(Kinds.POD, "delete", "", "default", "p",
        () -> boundPod("b"), () -> boundPod("a")))).isFalse();
    assertThat(allowed(NODE_A, new AccessRequest(Kinds.POD, "update", "", "default", "p",
        () -> boundPod("a"), () -> boundPod("a")))).as("spec").isFalse();
  }
}
