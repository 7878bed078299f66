package dev.capstan.apiserver.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.core.v1.Event;
import dev.capstan.api.core.v1.Namespace;
import dev.capstan.api.core.v1.Node;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.meta.v1.OwnerReference;
import dev.capstan.client.Kinds;
import java.util.List;
import org.junit.jupiter.api.Test;

class ObjectMetaValidationTest {
  private static List<String> errors(ConfigMap cm) {
    return Validators.forKind(Kinds.CONFIG_MAP).validate(cm, null).stream().map(FieldError::toString).toList();
  }

  private static ConfigMap withMeta(ObjectMeta meta) {
    return ConfigMap.newBuilder().setMetadata(meta).build();
  }

  @Test
  void validMetadataHasNoErrors() {
    assertThat(errors(withMeta(Fixtures.meta("settings.v1")))).isEmpty();
  }

  @Test
  void nameIsRequired() {
    assertThat(errors(withMeta(Fixtures.meta("").toBuilder().setGenerateName("web-").build())))
        .containsExactly("metadata.name: required");
  }

  @Test
  void nameMustBeADns1123Subdomain() {
    assertThat(errors(withMeta(Fixtures.meta("Web_1")))).singleElement().asString()
        .startsWith("metadata.name: invalid value \"Web_1\": a lowercase RFC 1123 subdomain");
    assertThat(errors(withMeta(Fixtures.meta("a".repeat(254))))).singleElement().asString()
        .endsWith(": must be no more than 253 characters");
    assertThat(errors(withMeta(Fixtures.meta("a".repeat(253))))).isEmpty();
  }

  @Test
  void namespaceNamesAreDns1123Labels() {
    var validator = Validators.forKind(Kinds.NAMESPACE);
    Namespace dotted = Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("team.a")).build();
    assertThat(validator.validate(dotted, null)).singleElement().asString()
        .startsWith("metadata.name: invalid value \"team.a\": a lowercase RFC 1123 label");
    Namespace tooLong = Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("a".repeat(64))).build();
    assertThat(validator.validate(tooLong, null)).singleElement().asString()
        .isEqualTo("metadata.name: invalid value \"" + "a".repeat(64) + "\": must be no more than 63 characters");
    Namespace ok = Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("team-a")).build();
    assertThat(validator.validate(ok, null)).isEmpty();
  }

  @Test
  void namespaceIsRequiredForNamespacedKindsAndForbiddenOtherwise() {
    assertThat(errors(withMeta(Fixtures.meta("x").toBuilder().clearNamespace().build())))
        .containsExactly("metadata.namespace: required");
    assertThat(errors(withMeta(Fixtures.meta("x").toBuilder().setNamespace("Bad").build()))).singleElement()
        .asString().startsWith("metadata.namespace: invalid value \"Bad\"");
    Node node = Node.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("n1").setNamespace("default")).build();
    assertThat(Validators.forKind(Kinds.NODE).validate(node, null)).extracting(FieldError::toString)
        .containsExactly("metadata.namespace: not allowed on this type");
  }

  @Test
  void labelKeysAndValuesAreChecked() {
    ObjectMeta meta = Fixtures.meta("x").toBuilder()
        .putLabels("example.com/ok", "v1")
        .putLabels("bad key", "v")
        .putLabels("tier", "-bad")
        .putLabels("long", "x".repeat(64))
        .build();
    assertThat(errors(withMeta(meta))).containsExactlyInAnyOrder(
        "metadata.labels: invalid value \"bad key\": name part must consist of alphanumeric characters,"
            + " '-', '_' or '.', and must start and end with an alphanumeric character",
        "metadata.labels[tier]: invalid value \"-bad\": a valid label must be an empty string or consist of"
            + " alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        "metadata.labels[long]: invalid value \"" + "x".repeat(64) + "\": must be no more than 63 characters");
  }

  @Test
  void annotationKeysAndTotalSizeAreChecked() {
    assertThat(errors(withMeta(Fixtures.meta("x").toBuilder().putAnnotations("/bad", "v").build())))
        .containsExactly("metadata.annotations: invalid value \"/bad\": prefix part must be non-empty");
    assertThat(errors(withMeta(Fixtures.meta("x").toBuilder().putAnnotations("big", "x".repeat(256 * 1024)).build())))
        .containsExactly("metadata.annotations: too long: must have at most 262144 bytes");
  }

  @Test
  void ownerReferencesMustBeCompleteWithOneController() {
    OwnerReference complete = OwnerReference.newBuilder().setApiVersion("apps/v1").setKind("ReplicaSet")
        .setName("rs").setUid("u1").setController(true).build();
    ObjectMeta meta = Fixtures.meta("x").toBuilder()
        .addOwnerReferences(complete)
        .addOwnerReferences(complete.toBuilder().setUid("u2"))
        .addOwnerReferences(OwnerReference.newBuilder().setKind("Deployment"))
        .build();
    assertThat(errors(withMeta(meta))).containsExactlyInAnyOrder(
        "metadata.ownerReferences[2].apiVersion: required",
        "metadata.ownerReferences[2].name: required",
        "metadata.ownerReferences[2].uid: required",
        "metadata.ownerReferences: only one reference can have controller set to true, found 2");
  }

  @Test
  void nameNamespaceAndUidAreImmutable() {
    ConfigMap old = withMeta(Fixtures.meta("x").toBuilder().setUid("u1").build());
    ConfigMap renamed = withMeta(Fixtures.meta("y").toBuilder().setNamespace("other").setUid("u2").build());
    assertThat(Validators.forKind(Kinds.CONFIG_MAP).validate(renamed, old)).extracting(FieldError::toString)
        .containsExactlyInAnyOrder("metadata.name: field is immutable", "metadata.namespace: field is immutable",
            "metadata.uid: field is immutable");
  }

  @Test
  void kindsWithoutRulesGetMetadataChecks() {
    Event event = Event.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("pod.1")).build();
    assertThat(Validators.forKind(Kinds.EVENT).validate(event, null)).extracting(FieldError::toString)
        .containsExactly("metadata.namespace: required");
  }
}
