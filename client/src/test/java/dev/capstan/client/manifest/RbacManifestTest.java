package dev.capstan.client.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Message;
import dev.capstan.api.rbac.v1.ClusterRole;
import dev.capstan.api.rbac.v1.RoleBinding;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RBAC manifests written for Kubernetes decode unchanged. */
class RbacManifestTest {
  private final ManifestCodec codec = new ManifestCodec();

  @Test
  void decodesKubernetesRbacManifests() {
    List<Message> objects = codec.decode("""
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata:
          name: pod-reader
        rules:
        - apiGroups: [""]
          resources: ["pods", "pods/log"]
          resourceNames: ["web-1"]
          verbs: ["get", "watch", "list"]
        - nonResourceURLs: ["/healthz"]
          verbs: ["get"]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata:
          name: read-pods
          namespace: team
        subjects:
        - kind: User
          name: jane
          apiGroup: rbac.authorization.k8s.io
        - kind: ServiceAccount
          name: builder
          namespace: team
        roleRef:
          kind: ClusterRole
          name: pod-reader
          apiGroup: rbac.authorization.k8s.io
        """);
    ClusterRole role = (ClusterRole) objects.get(0);
    assertThat(role.getRules(0).getResourcesList()).containsExactly("pods", "pods/log");
    assertThat(role.getRules(0).getResourceNamesList()).containsExactly("web-1");
    assertThat(role.getRules(1).getNonResourceUrlsList()).containsExactly("/healthz");
    RoleBinding binding = (RoleBinding) objects.get(1);
    assertThat(binding.getRoleRef().getName()).isEqualTo("pod-reader");
    assertThat(binding.getSubjects(1).getNamespace()).isEqualTo("team");

    assertThat(codec.toYaml(role)).contains("apiGroups:", "resourceNames:", "nonResourceURLs:");
    assertThat(codec.toYaml(binding)).contains("roleRef:", "apiGroup: rbac.authorization.k8s.io");
  }

  @Test
  void anUnknownRbacFieldIsAnErrorNamingIt() {
    assertThatThrownBy(() -> codec.decode("""
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata: {name: r, namespace: team}
        rules:
        - apiGroups: [""]
          resource: ["pods"]
          verbs: ["get"]
        """)).isInstanceOf(ManifestException.class).hasMessageContaining("rules[0].resource");
  }
}
