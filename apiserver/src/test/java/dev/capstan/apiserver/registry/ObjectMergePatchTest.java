package dev.capstan.apiserver.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Message;
import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.Secret;
import dev.capstan.client.Kind;
import dev.capstan.client.Kinds;
import dev.capstan.client.manifest.ManifestCodec;
import dev.capstan.client.manifest.ManifestException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ObjectMergePatch} against the reference it replaces: the whole object turned into its
 * JSON form, patched and read back. Results must be equal, and a refused patch must be refused
 * with the same field path and detail (the first error, where a patch has several).
 */
class ObjectMergePatchTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ManifestCodec CODEC = new ManifestCodec();
  private static final ObjectMergePatch PATCH = new ObjectMergePatch(CODEC);

  private static final Pod POD = (Pod) CODEC.decode("""
      apiVersion: v1
      kind: Pod
      metadata:
        name: web-1
        namespace: shop
        uid: 6f1c2d4e-0000-4000-8000-000000000001
        resourceVersion: "41"
        generation: 3
        creationTimestamp: "2026-12-04T10:00:00Z"
        labels: {app: web, tier: front}
        annotations: {note: kept}
        finalizers: [example.com/cleanup]
        ownerReferences:
        - {apiVersion: apps/v1, kind: ReplicaSet, name: web-abc, uid: u-1, controller: true}
      spec:
        nodeName: n1
        restartPolicy: Always
        terminationGracePeriodSeconds: 0
        nodeSelector: {disk: ssd}
        containers:
        - name: c
          image: busybox:1
          command: [sleep, "3600"]
          ports: [{name: http, containerPort: 8080}]
          env: [{name: A, value: "1"}]
          resources:
            requests: {cpu: 100m, memory: 64Mi}
            limits: {memory: 128Mi}
      status:
        phase: Running
        podIP: 10.0.0.7
        startTime: "2026-12-04T10:00:05Z"
        conditions: [{type: Ready, status: "True"}]
      """).get(0);

  private static final ConfigMap CONFIG_MAP = (ConfigMap) CODEC.decode("""
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: settings, namespace: shop, labels: {app: web}}
      data: {a: "1", b: two}
      binaryData: {blob: AAEC}
      """).get(0);

  private static final Secret SECRET = (Secret) CODEC.decode("""
      apiVersion: v1
      kind: Secret
      metadata: {name: creds, namespace: shop}
      type: Opaque
      data: {user: YWRtaW4=}
      """).get(0);

  @ParameterizedTest
  @ValueSource(strings = {
      "{}",
      "{\"metadata\":{\"labels\":{\"app\":\"web2\"}}}",
      "{\"metadata\":{\"labels\":{\"tier\":null,\"new\":\"yes\"}}}",
      "{\"metadata\":{\"labels\":null,\"annotations\":{\"note\":null}}}",
      "{\"metadata\":{\"labels\":{\"n\":1,\"b\":true}}}",
      "{\"metadata\":{\"finalizers\":null,\"resourceVersion\":\"41\"}}",
      "{\"spec\":{\"nodeName\":\"n2\",\"terminationGracePeriodSeconds\":null}}",
      "{\"spec\":{\"terminationGracePeriodSeconds\":30}}",
      "{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox:2\"}]}}",
      "{\"spec\":{\"containers\":null,\"nodeSelector\":{\"disk\":null}}}",
      "{\"status\":{\"phase\":\"Succeeded\",\"conditions\":null}}",
      "{\"status\":null}",
      "{\"metadata\":{\"labels\":{\"x\":\"y\"}},\"spec\":{\"nodeName\":\"\"},\"status\":{\"podIP\":\"10.0.0.8\"}}",
      "{\"apiVersion\":null}",
      "{\"kind\":null,\"metadata\":{\"labels\":{\"k\":\"v\"}}}",
      "{\"apiVersion\":\"v1\",\"kind\":\"Pod\"}",
      "{\"unknownMember\":null}",
  })
  void aPodPatchGivesTheWholeFormsResult(String patch) throws Exception {
    assertThat(sameAsWholeForm(POD, patch, Kinds.POD)).as("refused").isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"metadata\":{\"labels\":{\"app\":\"web2\"}}}", "{\"kind\":\"Pod\"}"})
  void aPodWithoutTypeMetaGetsItAsFromTheWholeForm(String patch) throws Exception {
    Pod bare = POD.toBuilder().clearApiVersion().clearKind().build();
    assertThat(sameAsWholeForm(bare, patch, Kinds.POD)).as("refused").isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"apiVersion\":\"v2\"}",
      "{\"kind\":\"Node\",\"metadata\":{\"labels\":\"x\"}}",
      "{\"unknownMember\":1}",
      "{\"spec\":{\"nodeNamee\":\"x\"}}",
      "{\"metadata\":{\"labels\":\"x\"}}",
      "{\"spec\":{\"containers\":{\"name\":\"x\"}}}",
      "{\"spec\":\"x\"}",
      "{\"status\":{\"startTime\":\"yesterday\"}}",
      // several errors: the first in the whole form's member order (sorted, added members last)
      "{\"zzz\":1,\"metadata\":{\"labels\":\"x\"}}",
      "{\"aaa\":1,\"spec\":{\"bad\":1}}",
      "{\"status\":{\"phase\":5},\"metadata\":{\"generation\":\"x\"}}",
      "{\"bbb\":1,\"aaa\":2}",
  })
  void aRefusedPodPatchIsRefusedAsTheWholeFormRefusesIt(String patch) throws Exception {
    assertThat(sameAsWholeForm(POD, patch, Kinds.POD)).as("refused").isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"data\":{\"a\":null,\"c\":\"3\"}}",
      "{\"binaryData\":null,\"immutable\":true}",
      "{\"data\":\"x\"}",
      "{\"binaryData\":{\"blob\":\"not base64!\"}}",
  })
  void configMapPatches(String patch) throws Exception {
    sameAsWholeForm(CONFIG_MAP, patch, Kinds.CONFIG_MAP);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"data\":{\"pass\":\"c2VjcmV0\"},\"type\":\"kubernetes.io/basic-auth\"}",
      "{\"stringData\":{\"k\":\"v\"},\"data\":null}",
      "{\"data\":{\"user\":\"%%\"}}",
  })
  void secretPatches(String patch) throws Exception {
    sameAsWholeForm(SECRET, patch, Kinds.SECRET);
  }

  /** Asserts the partial application matches the whole form's; returns whether both refused. */
  private static <T extends Message> boolean sameAsWholeForm(T current, String patchJson, Kind<T> kind)
      throws Exception {
    ObjectNode patch = (ObjectNode) JSON.readTree(patchJson);
    ObjectNode before = patch.deepCopy();
    T expected = null;
    ManifestException expectedError = null;
    try {
      expected = CODEC.fromTree(MergePatch.apply(CODEC.toTree(current), patch), kind);
    } catch (ManifestException e) {
      expectedError = e;
    }
    if (expectedError == null) {
      assertThat(PATCH.apply(current, patch, kind)).isEqualTo(expected);
    } else {
      ManifestException actual = catchThrowableOfType(() -> PATCH.apply(current, patch, kind),
          ManifestException.class);
      assertThat(actual).as("refused").isNotNull();
      assertThat(actual.fieldPath()).isEqualTo(expectedError.fieldPath());
      assertThat(actual.detail()).isEqualTo(expectedError.detail());
    }
    assertThat(patch).isEqualTo(before);
    return expectedError != null;
  }
}
