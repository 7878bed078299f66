package dev.capstan.client.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.VolumeProjection;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A Kubernetes pod manifest with projected and downwardAPI volumes decodes unchanged and round-trips. */
class ProjectedVolumeManifestTest {
  private static final String KUBERNETES_YAML = """
      apiVersion: v1
      kind: Pod
      metadata:
        name: api-client
        namespace: team
      spec:
        serviceAccountName: robot
        automountServiceAccountToken: false
        containers:
        - name: app
          image: busybox
          volumeMounts:
          - name: api
            mountPath: /var/run/secrets/tokens
            readOnly: true
        volumes:
        - name: api
          projected:
            defaultMode: 420
            sources:
            - serviceAccountToken:
                audience: vault
                expirationSeconds: 3607
                path: token
            - configMap:
                name: kube-root-ca.crt
                items:
                - key: ca.crt
                  path: ca.crt
            - secret:
                name: extra
                optional: true
            - downwardAPI:
                items:
                - path: namespace
                  fieldRef:
                    apiVersion: v1
                    fieldPath: metadata.namespace
        - name: info
          downwardAPI:
            items:
            - path: labels
              fieldRef:
                fieldPath: metadata.labels
      """;

  private final ManifestCodec codec = new ManifestCodec();

  @Test
  void aKubernetesManifestDecodesUnchangedAndRoundTrips() {
    Pod pod = (Pod) codec.decode(KUBERNETES_YAML).get(0);

    assertThat(pod.getSpec().hasAutomountServiceAccountToken()).isTrue();
    assertThat(pod.getSpec().getAutomountServiceAccountToken()).isFalse();
    List<VolumeProjection> sources = pod.getSpec().getVolumes(0).getProjected().getSourcesList();
    assertThat(pod.getSpec().getVolumes(0).getProjected().getDefaultMode()).isEqualTo(0644);
    assertThat(sources.get(0).getServiceAccountToken().getAudience()).isEqualTo("vault");
    assertThat(sources.get(0).getServiceAccountToken().getExpirationSeconds()).isEqualTo(3607);
    assertThat(sources.get(1).getConfigMap().getItems(0).getPath()).isEqualTo("ca.crt");
    assertThat(sources.get(2).getSecret().getOptional()).isTrue();
    assertThat(sources.get(3).getDownwardApi().getItems(0).getFieldRef().getFieldPath())
        .isEqualTo("metadata.namespace");
    assertThat(pod.getSpec().getVolumes(1).getDownwardApi().getItems(0).getFieldRef().getFieldPath())
        .isEqualTo("metadata.labels");

    String yaml = codec.toYaml(pod);
    assertThat(yaml).contains("downwardAPI:", "serviceAccountToken:", "expirationSeconds: 3607");
    assertThat(codec.decode(yaml).get(0)).isEqualTo(pod);
  }
}
