package dev.capstan.client.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.apps.v1.DeploymentSpec;
import dev.capstan.api.apps.v1.DeploymentStrategy;
import dev.capstan.api.apps.v1.RollingUpdateDeployment;
import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.Namespace;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.PodTemplateSpec;
import dev.capstan.api.core.v1.ResourceRequirements;
import dev.capstan.api.core.v1.Secret;
import dev.capstan.api.meta.v1.LabelSelector;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.client.Kinds;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class ManifestCodecTest {
  private final ManifestCodec codec = new ManifestCodec();

  private static final String DEPLOYMENT = """
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: web
        namespace: default
        labels:
          app: web
      spec:
        replicas: 3
        selector:
          matchLabels:
            app: web
        strategy:
          type: RollingUpdate
          rollingUpdate:
            maxSurge: 1
            maxUnavailable: 0
        template:
          metadata:
            labels:
              app: web
          spec:
            containers:
            - name: app
              image: busybox:1.36
              command: ["sleep", "3600"]
              resources:
                requests:
                  cpu: "100m"
                  memory: "64Mi"
      """;

  private static final Deployment EXPECTED_DEPLOYMENT = Deployment.newBuilder()
      .setApiVersion("apps/v1")
      .setKind("Deployment")
      .setMetadata(ObjectMeta.newBuilder().setName("web").setNamespace("default").putLabels("app", "web"))
      .setSpec(DeploymentSpec.newBuilder()
          .setReplicas(3)
          .setSelector(LabelSelector.newBuilder().putMatchLabels("app", "web"))
          .setStrategy(DeploymentStrategy.newBuilder()
              .setType("RollingUpdate")
              .setRollingUpdate(RollingUpdateDeployment.newBuilder().setMaxSurge("1").setMaxUnavailable("0")))
          .setTemplate(PodTemplateSpec.newBuilder()
              .setMetadata(ObjectMeta.newBuilder().putLabels("app", "web"))
              .setSpec(PodSpec.newBuilder().addContainers(Container.newBuilder()
                  .setName("app")
                  .setImage("busybox:1.36")
                  .addCommand("sleep").addCommand("3600")
                  .setResources(ResourceRequirements.newBuilder()
                      .putRequests("cpu", "100m")
                      .putRequests("memory", "64Mi"))))))
      .build();

  // ------------------------------------------------------------------ decoding

  @Test
  void decodesARealDeploymentManifest() {
    assertThat(codec.decode(DEPLOYMENT)).containsExactly(EXPECTED_DEPLOYMENT);
  }

  @Test
  void decodesFromAStream() {
    List<Message> objects = codec.decode(new ByteArrayInputStream(DEPLOYMENT.getBytes(StandardCharsets.UTF_8)));
    assertThat(objects).containsExactly(EXPECTED_DEPLOYMENT);
  }

  @Test
  void unknownFieldAtDepthNamesItsPath() {
    String manifest = DEPLOYMENT.replace("image: busybox", "imagee: busybox");
    assertError(() -> codec.decode(manifest),
        "spec.template.spec.containers[0].imagee", "spec.template.spec.containers[0].imagee: unknown field");
  }

  @Test
  void snakeCaseNamesAreNotKubernetesNames() {
    assertError(() -> codec.decode("apiVersion: v1\nkind: Pod\nspec:\n  restart_policy: Never\n"),
        "spec.restart_policy", "spec.restart_policy: unknown field");
  }

  @Test
  void wrongTypesNameTheFieldAndTheValue() {
    assertError(() -> codec.decode(DEPLOYMENT.replace("replicas: 3", "replicas: three")),
        "spec.replicas", "spec.replicas: expected an integer, got \"three\"");
    assertError(() -> codec.decode(DEPLOYMENT.replace("replicas: 3", "replicas: \"3\"")),
        "spec.replicas", "spec.replicas: expected an integer, got \"3\" (a string; write the number without quotes)");
    assertError(() -> codec.decode(DEPLOYMENT.replace("replicas: 3", "replicas: 2.5")),
        "spec.replicas", "spec.replicas: expected an integer, got 2.5");
    assertError(() -> codec.decode(DEPLOYMENT.replace("replicas: 3", "replicas: 3000000000")),
        "spec.replicas", "spec.replicas: integer 3000000000 is out of range [-2147483648, 2147483647]");
    assertError(() -> codec.decode(DEPLOYMENT.replace("replicas: 3", "paused: \"yes\"")),
        "spec.paused", "spec.paused: expected a boolean (true or false), got \"yes\"");
    assertError(() -> codec.decode(DEPLOYMENT.replace("  selector:\n    matchLabels:\n      app: web\n", "  selector: [app]\n")),
        "spec.selector", "spec.selector: expected an object, got a list");
    assertError(() -> codec.decode(DEPLOYMENT.replace("command: [\"sleep\", \"3600\"]", "command: sleep 3600")),
        "spec.template.spec.containers[0].command",
        "spec.template.spec.containers[0].command: expected a list, got \"sleep 3600\"");
    assertError(() -> codec.decode(DEPLOYMENT.replace("image: busybox:1.36", "image: true")),
        "spec.template.spec.containers[0].image",
        "spec.template.spec.containers[0].image: expected a string, got true (quote it: \"true\")");
    assertError(() -> codec.decode(DEPLOYMENT.replace("  labels:\n    app: web\nspec:", "  labels: web\nspec:")),
        "metadata.labels", "metadata.labels: expected a mapping, got \"web\"");
    assertError(() -> codec.decode("apiVersion: v1\nkind: Pod\nmetadata:\n  creationTimestamp: yesterday\n"),
        "metadata.creationTimestamp",
        "metadata.creationTimestamp: expected an RFC 3339 timestamp such as \"2024-05-01T12:00:00Z\", got \"yesterday\"");
    assertError(() -> codec.decode("apiVersion: v1\nkind: ConfigMap\nbinaryData:\n  blob: '%%%'\n"),
        "binaryData[blob]", "binaryData[blob]: expected base64 data");
  }

  @Test
  void stringFieldsTakeNumbersAsTheirTextAndMapsAlsoBooleans() {
    Pod pod = (Pod) codec.decode("""
        apiVersion: v1
        kind: Pod
        metadata:
          labels:
            version: 1.10
            canary: true
        spec:
          nodeSelector:
            gpu: false
          containers:
          - name: app
            resources:
              limits:
                cpu: 2
                memory: 0.5
            readinessProbe:
              httpGet:
                port: 8080
        """).get(0);

    assertThat(pod.getMetadata().getLabelsMap()).containsEntry("version", "1.10").containsEntry("canary", "true");
    assertThat(pod.getSpec().getNodeSelectorMap()).containsEntry("gpu", "false");
    Container container = pod.getSpec().getContainers(0);
    assertThat(container.getResources().getLimitsMap()).containsEntry("cpu", "2").containsEntry("memory", "0.5");
    assertThat(container.getReadinessProbe().getHttpGet().getPort()).isEqualTo("8080");
  }

  @Test
  void nullMeansUnset() {
    Deployment d = (Deployment) codec.decode("""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          labels: null
          annotations:
            empty:
        spec:
          replicas: null
          template: ~
        """).get(0);

    assertThat(d.getSpec().hasReplicas()).isFalse();
    assertThat(d.getSpec().hasTemplate()).isFalse();
    assertThat(d.getMetadata().getLabelsMap()).isEmpty();
    assertThat(d.getMetadata().getAnnotationsMap()).containsExactlyEntriesOf(java.util.Map.of("empty", ""));
  }

  @Test
  void explicitZeroOfAnOptionalFieldIsKept() {
    Deployment zero = (Deployment) codec.decode(DEPLOYMENT.replace("replicas: 3", "replicas: 0")).get(0);

    assertThat(zero.getSpec().hasReplicas()).isTrue();
    assertThat(codec.toYaml(zero)).contains("  replicas: 0\n");
    assertThat(codec.decode(codec.toYaml(zero))).containsExactly(zero);
  }

  @Test
  void apiVersionAndKindAreRequiredAndMustBeServed() {
    assertError(() -> codec.decode("kind: Pod\n"), "apiVersion", "apiVersion: required");
    assertError(() -> codec.decode("apiVersion: v1\nmetadata:\n  name: x\n"), "kind", "kind: required");
    assertError(() -> codec.decode("apiVersion: apps/v1\nkind: Foo\n"),
        "kind", "kind: no kind \"Foo\" is served for apiVersion \"apps/v1\"");
    assertError(() -> codec.decode("apiVersion: v1\nkind: Deployment\n"), "kind",
        "kind: no kind \"Deployment\" is served for apiVersion \"v1\" (Deployment is served for apiVersion \"apps/v1\")");
    assertError(() -> codec.decode("apiVersion: 1\nkind: Pod\n"), "apiVersion", "apiVersion: expected a string, got 1");
    assertError(() -> codec.decode("- just\n- a list\n"), "", "expected an object with apiVersion and kind, got a list");
  }

  @Test
  void multiDocumentStreamsSkipEmptyDocuments() {
    List<Message> objects = codec.decode("""
        ---
        apiVersion: v1
        kind: Namespace
        metadata:
          name: shop
        ---
        ---
        # only a comment
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: settings
          namespace: shop
        data:
          mode: fast
        ...
        """);

    assertThat(objects).containsExactly(
        Namespace.newBuilder().setApiVersion("v1").setKind("Namespace")
            .setMetadata(ObjectMeta.newBuilder().setName("shop")).build(),
        ConfigMap.newBuilder().setApiVersion("v1").setKind("ConfigMap")
            .setMetadata(ObjectMeta.newBuilder().setName("settings").setNamespace("shop"))
            .putData("mode", "fast").build());
  }

  @Test
  void errorsNameTheDocument() {
    String stream = "apiVersion: v1\nkind: Namespace\n---\n---\napiVersion: v1\nkind: Pod\nspec:\n  hostname: [a]\n";

    assertThatThrownBy(() -> codec.decode(stream))
        .isInstanceOfSatisfying(ManifestException.class, e -> {
          assertThat(e.documentIndex()).isEqualTo(2);
          assertThat(e.fieldPath()).isEqualTo("spec.hostname");
          assertThat(e.detail()).isEqualTo("expected a string, got a list");
        })
        .hasMessage("document 3: spec.hostname: expected a string, got a list");
  }

  @Test
  void listsOfItemsDecodeToTheirItems() {
    List<Message> objects = codec.decode("""
        apiVersion: v1
        kind: List
        metadata:
          resourceVersion: ""
        items:
        - apiVersion: v1
          kind: Namespace
          metadata:
            name: a
        - apiVersion: apps/v1
          kind: Deployment
          metadata:
            name: b
        """);
    assertThat(objects).extracting(o -> o.getClass().getSimpleName()).containsExactly("Namespace", "Deployment");

    List<Message> pods = codec.decode("""
        {"apiVersion": "v1", "kind": "PodList", "items": [{"metadata": {"name": "p1"}}]}
        """);
    assertThat(pods).containsExactly(Pod.newBuilder().setApiVersion("v1").setKind("Pod")
        .setMetadata(ObjectMeta.newBuilder().setName("p1")).build());

    assertError(() -> codec.decode("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  spec:\n    nodeNam: x\n"),
        "items[0].spec.nodeNam", "items[0].spec.nodeNam: unknown field");
  }

  @Test
  void decodesJsonEvenWithTabs() {
    String json = "{\n\t\"apiVersion\": \"v1\",\n\t\"kind\": \"Pod\",\n\t\"metadata\": {\"name\": \"p\"},\n"
        + "\t\"spec\": {\"terminationGracePeriodSeconds\": 30}\n}\n";

    Pod pod = (Pod) codec.decode(json).get(0);

    assertThat(pod.getMetadata().getName()).isEqualTo("p");
    assertThat(pod.getSpec().getTerminationGracePeriodSeconds()).isEqualTo(30);
  }

  @Test
  void resolvesAnchorsAliasesAndMergeKeys() {
    Deployment d = (Deployment) codec.decode("""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          labels: &labels
            app: web
        spec:
          selector:
            matchLabels: *labels
          template:
            metadata:
              labels:
                <<: *labels
                tier: front
        """).get(0);

    assertThat(d.getSpec().getSelector().getMatchLabelsMap()).containsExactlyEntriesOf(java.util.Map.of("app", "web"));
    assertThat(d.getSpec().getTemplate().getMetadata().getLabelsMap())
        .containsEntry("app", "web").containsEntry("tier", "front").hasSize(2);
  }

  @Test
  void rejectsDuplicateFieldsAndBrokenSyntax() {
    assertError(() -> codec.decode("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  name: b\n"),
        "metadata.name", "metadata.name: duplicate field");
    assertThatThrownBy(() -> codec.decode("apiVersion: v1\nkind: Pod\nspec: [\n"))
        .isInstanceOf(ManifestException.class)
        .hasMessageStartingWith("invalid YAML at line 3, column 8: while parsing a flow node: expected the node content");
  }

  // ------------------------------------------------------------------ encoding

  @Test
  void yamlLooksLikeKubectls() {
    assertThat(codec.toYaml(EXPECTED_DEPLOYMENT)).isEqualTo("""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          labels:
            app: web
          name: web
          namespace: default
        spec:
          replicas: 3
          selector:
            matchLabels:
              app: web
          strategy:
            rollingUpdate:
              maxSurge: "1"
              maxUnavailable: "0"
            type: RollingUpdate
          template:
            metadata:
              labels:
                app: web
            spec:
              containers:
              - command:
                - sleep
                - "3600"
                image: busybox:1.36
                name: app
                resources:
                  requests:
                    cpu: 100m
                    memory: 64Mi
        """);
  }

  @Test
  void jsonLooksLikeKubectls() {
    Pod pod = Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("p").setCreationTimestamp(
            com.google.protobuf.Timestamp.newBuilder().setSeconds(1_714_564_800L)))
        .setSpec(PodSpec.newBuilder().addContainers(Container.newBuilder().setName("c").addArgs("-v"))
            .setTerminationGracePeriodSeconds(30).addVolumes(dev.capstan.api.core.v1.Volume.newBuilder()
                .setName("tmp").setEmptyDir(dev.capstan.api.core.v1.EmptyDirVolumeSource.getDefaultInstance())))
        .build();

    assertThat(codec.toJson(pod)).isEqualTo("""
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "creationTimestamp": "2024-05-01T12:00:00Z",
                "name": "p"
            },
            "spec": {
                "containers": [
                    {
                        "args": [
                            "-v"
                        ],
                        "name": "c"
                    }
                ],
                "terminationGracePeriodSeconds": 30,
                "volumes": [
                    {
                        "emptyDir": {},
                        "name": "tmp"
                    }
                ]
            }
        }
        """);
  }

  @Test
  void quotesOnlyWhatWouldReadBackAsSomethingElse() {
    Pod pod = Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("yes")
            .setCreationTimestamp(com.google.protobuf.Timestamp.newBuilder().setSeconds(1_714_564_800L))
            .putLabels("version", "1.10").putLabels("enabled", "true").putLabels("tier", "web-1"))
        .setSpec(PodSpec.newBuilder().addContainers(Container.newBuilder().setName("app")
            .addArgs("--port=8080").addArgs("8080").addArgs("- x").addArgs("")))
        .build();

    assertThat(codec.toYaml(pod)).isEqualTo("""
        apiVersion: v1
        kind: Pod
        metadata:
          creationTimestamp: "2024-05-01T12:00:00Z"
          labels:
            enabled: "true"
            tier: web-1
            version: "1.10"
          name: "yes"
        spec:
          containers:
          - args:
            - --port=8080
            - "8080"
            - "- x"
            - ""
            name: app
        """);
  }

  @Test
  void objectsWithoutTypeMetaGetTheirKinds() {
    Namespace ns = Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("a")).build();

    assertThat(codec.toYaml(ns)).startsWith("apiVersion: v1\nkind: Namespace\n");
    assertThat(codec.toJson(ns)).contains("\"apiVersion\": \"v1\",\n    \"kind\": \"Namespace\"");
  }

  @Test
  void multiLineStringsBecomeLiteralBlocks() {
    ConfigMap cm = ConfigMap.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("conf"))
        .putData("app.properties", "a=1\nb=2\n").build();

    String yaml = codec.toYaml(cm);

    assertThat(yaml).contains("  app.properties: |\n    a=1\n    b=2\n");
    assertThat(codec.decode(yaml)).containsExactly(Kinds.CONFIG_MAP.withTypeMeta(cm));
  }

  @Test
  void aKubernetesSecretManifestDecodesWithBase64DataAndStringData() {
    String yaml = """
        apiVersion: v1
        kind: Secret
        metadata:
          name: db
        type: Opaque
        data:
          username: YWRtaW4=
        stringData:
          password: s3cret
        """;

    Secret secret = (Secret) codec.decode(yaml).get(0);

    assertThat(secret.getDataMap()).containsOnly(Map.entry("username", ByteString.copyFromUtf8("admin")));
    assertThat(secret.getStringDataMap()).containsOnly(Map.entry("password", "s3cret"));
    assertThat(codec.toYaml(secret)).contains("data:\n  username: YWRtaW4=\n");
    assertError(() -> codec.decode("apiVersion: v1\nkind: Secret\ndata:\n  k: '%%%'\n"),
        "data[k]", "data[k]: expected base64 data");
  }

  @Test
  void severalObjectsAreSeparatedByDocumentMarkers() {
    Namespace ns = Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("a")).build();
    ConfigMap cm = ConfigMap.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("b")).build();

    String yaml = codec.toYaml(List.of(ns, cm));

    assertThat(yaml).isEqualTo("""
        apiVersion: v1
        kind: Namespace
        metadata:
          name: a
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: b
        """);
    assertThat(codec.decode(yaml)).containsExactly(Kinds.NAMESPACE.withTypeMeta(ns), Kinds.CONFIG_MAP.withTypeMeta(cm));
  }

  // ------------------------------------------------------------------ round trips

  @Test
  void fullyPopulatedDeploymentRoundTrips() {
    assertRoundTrip(Kinds.DEPLOYMENT.withTypeMeta(FullyPopulated.of(Deployment.getDefaultInstance())));
  }

  @Test
  void fullyPopulatedPodRoundTrips() {
    assertRoundTrip(Kinds.POD.withTypeMeta(FullyPopulated.of(Pod.getDefaultInstance())));
  }

  @Test
  void everyKindRoundTripsFullyPopulated() {
    for (var kind : Kinds.all()) {
      assertRoundTrip(withTypeMeta(kind, FullyPopulated.of(kind.defaultInstance())));
    }
  }

  @Test
  void theRealDeploymentRoundTrips() {
    assertRoundTrip(EXPECTED_DEPLOYMENT);
  }

  private void assertRoundTrip(Message object) {
    String yaml = codec.toYaml(object);
    assertThat(codec.decode(yaml)).as("decode(toYaml(x)) for\n%s", yaml).containsExactly(object);
    assertThat(codec.decode(codec.toJson(object))).as("decode(toJson(x))").containsExactly(object);
  }

  private static <T extends Message> Message withTypeMeta(dev.capstan.client.Kind<T> kind, Message object) {
    @SuppressWarnings("unchecked")
    T t = (T) object;
    return kind.withTypeMeta(t);
  }

  private static void assertError(ThrowingCallable call, String fieldPath, String message) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(ManifestException.class, e -> assertThat(e.fieldPath()).isEqualTo(fieldPath))
        .hasMessageStartingWith(message);
  }
  @Test
  void aTreeReadsBackToTheSameObjectOfItsKind() {
    for (var kind : Kinds.all()) {
      roundTripsAsTree(kind);
    }
  }

  private <T extends Message> void roundTripsAsTree(dev.capstan.client.Kind<T> kind) {
    T full = kind.withTypeMeta(FullyPopulated.of(kind.defaultInstance()));
    assertThat(codec.fromTree(codec.toTree(full), kind)).as(kind.kind()).isEqualTo(full);
  }

  @Test
  void aTreeOfAnotherKindOrWithUnknownFieldsIsRefusedNamingTheField() {
    var tree = codec.toTree(ConfigMap.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("c")).build());
    assertError(() -> codec.fromTree(tree, Kinds.POD), "kind", "kind: must be \"Pod\", got ");
    tree.putObject("metadata").put("nme", "x");
    assertError(() -> codec.fromTree(tree, Kinds.CONFIG_MAP), "metadata.nme", "metadata.nme: unknown field");
  }
}
