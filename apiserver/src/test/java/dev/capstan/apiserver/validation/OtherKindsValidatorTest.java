package dev.capstan.apiserver.validation;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.capstan.api.coordination.v1.Lease;
import dev.capstan.api.coordination.v1.LeaseSpec;
import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.NodeSpec;
import dev.capstan.api.core.v1.Secret;
import dev.capstan.api.core.v1.Taint;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.client.Kinds;
import java.util.List;
import org.junit.jupiter.api.Test;

class OtherKindsValidatorTest {
  private static List<String> errors(ConfigMap cm, ConfigMap old) {
    return Validators.forKind(Kinds.CONFIG_MAP).validate(cm, old).stream().map(FieldError::toString).toList();
  }

  private static ConfigMap.Builder configMap() {
    return ConfigMap.newBuilder().setMetadata(Fixtures.meta("settings")).putData("app.properties", "a=b");
  }

  @Test
  void configMapKeysAreValidAndDistinct() {
    assertThat(errors(configMap().putBinaryData("logo.png", ByteString.copyFromUtf8("x")).build(), null)).isEmpty();
    assertThat(errors(configMap().putData("bad/key", "x").build(), null)).containsExactly(
        "data: invalid value \"bad/key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.'");
    assertThat(errors(configMap().putData("..hidden", "x").build(), null)).containsExactly(
        "data: invalid value \"..hidden\": must not be '.' or '..' and must not start with '..'");
    assertThat(errors(configMap().putBinaryData("app.properties", ByteString.EMPTY).build(), null)).containsExactly(
        "binaryData: invalid value \"app.properties\": duplicate of key present in data");
  }

  @Test
  void configMapSizeIsLimited() {
    assertThat(errors(configMap().putData("big", "x".repeat(1024 * 1024)).build(), null))
        .containsExactly("data: too long: the data of a ConfigMap must have at most 1048576 bytes");
  }

  @Test
  void immutableConfigMapKeepsItsData() {
    ConfigMap old = configMap().setImmutable(true).build();
    assertThat(errors(old.toBuilder().putData("app.properties", "a=c").build(), old))
        .containsExactly("data: field is immutable when `immutable` is set");
    assertThat(errors(old.toBuilder().setImmutable(false).build(), old))
        .containsExactly("immutable: field is immutable when `immutable` is set");
    assertThat(errors(old.toBuilder().setMetadata(old.getMetadata().toBuilder().putLabels("x", "y")).build(), old)).isEmpty();
  }

  private static List<String> errors(Secret secret, Secret old) {
    return Validators.forKind(Kinds.SECRET).validate(secret, old).stream().map(FieldError::toString).toList();
  }

  private static Secret.Builder secret() {
    return Secret.newBuilder().setMetadata(Fixtures.meta("db")).setType("Opaque")
        .putData("password", ByteString.copyFromUtf8("s3cret"));
  }

  @Test
  void secretKeysAreValidConfigKeysNamingTheField() {
    assertThat(errors(secret().putData("tls.crt", ByteString.copyFromUtf8("x")).build(), null)).isEmpty();
    assertThat(errors(secret().putData("bad/key", ByteString.EMPTY).build(), null)).containsExactly(
        "data: invalid value \"bad/key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.'");
    assertThat(errors(secret().putStringData("..x", "y").build(), null)).containsExactly(
        "stringData: invalid value \"..x\": must not be '.' or '..' and must not start with '..'");
  }

  @Test
  void secretSizeIsLimitedToOneMebibyte() {
    assertThat(errors(secret().putData("big", ByteString.copyFrom(new byte[1024 * 1024])).build(), null))
        .containsExactly("data: too long: the data of a Secret must have at most 1048576 bytes");
    assertThat(errors(secret().putData("big", ByteString.copyFrom(new byte[1024 * 1024 - 100])).build(), null))
        .isEmpty();
  }

  @Test
  void secretTypeNeverChangesAndImmutableSecretsKeepTheirData() {
    Secret old = secret().build();
    assertThat(errors(old.toBuilder().setType("kubernetes.io/tls").build(), old))
        .containsExactly("type: field is immutable");
    Secret frozen = secret().setImmutable(true).build();
    assertThat(errors(frozen.toBuilder().putData("password", ByteString.copyFromUtf8("new")).build(), frozen))
        .containsExactly("data: field is immutable when `immutable` is set");
    assertThat(errors(frozen.toBuilder().setImmutable(false).build(), frozen))
        .containsExactly("immutable: field is immutable when `immutable` is set");
  }

  @Test
  void leaseDurationMustBePositive() {
    var validator = Validators.forKind(Kinds.LEASE);
    Lease lease = Lease.newBuilder().setMetadata(Fixtures.meta("node-1"))
        .setSpec(LeaseSpec.newBuilder().setHolderIdentity("node-1").setLeaseDurationSeconds(40)).build();
    assertThat(validator.validate(lease, null)).isEmpty();
    assertThat(validator.validate(lease.toBuilder().setSpec(lease.getSpec().toBuilder().setLeaseDurationSeconds(0)).build(), null))
        .extracting(FieldError::toString).containsExactly("spec.leaseDurationSeconds: must be greater than 0");
    assertThat(validator.validate(lease.toBuilder().setSpec(LeaseSpec.getDefaultInstance()).build(), null)).isEmpty();
  }

  @Test
  void nodeTaintsHaveKeysAndKnownEffects() {
    var validator = Validators.forKind(Kinds.NODE);
    Node node = Node.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("node-1.example.com"))
        .setSpec(NodeSpec.newBuilder()
            .addTaints(Taint.newBuilder().setKey("node.kubernetes.io/unreachable").setEffect("NoExecute"))
            .addTaints(Taint.newBuilder().setKey("dedicated").setValue("db").setEffect("NoSchedule")))
        .build();
    assertThat(validator.validate(node, null)).isEmpty();
    Node bad = node.toBuilder().setSpec(node.getSpec().toBuilder()
        .addTaints(Taint.newBuilder().setEffect("Evict"))
        .addTaints(Taint.newBuilder().setKey("dedicated").setEffect("NoSchedule"))).build();
    assertThat(validator.validate(bad, null)).extracting(FieldError::toString).containsExactly(
        "spec.taints[2].key: required",
        "spec.taints[2].effect: unsupported value \"Evict\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"",
        "spec.taints[3]: taints must be unique by key and effect pair");
  }
}
