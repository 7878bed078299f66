package dev.capstan.agent.pod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.capstan.agent.runtime.ContainerConfig.EnvVar;
import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.core.v1.ConfigMapKeySelector;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.EnvVarSource;
import dev.capstan.api.core.v1.ObjectFieldSelector;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.Secret;
import dev.capstan.api.core.v1.SecretKeySelector;
import dev.capstan.api.meta.v1.ObjectMeta;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ContainerEnvironmentTest {
  private final ConfigMap settings = ConfigMap.newBuilder()
      .setMetadata(ObjectMeta.newBuilder().setName("settings").setNamespace("prod"))
      .putData("mode", "fast").build();
  private final Secret db = Secret.newBuilder()
      .setMetadata(ObjectMeta.newBuilder().setName("db").setNamespace("prod"))
      .putData("password", ByteString.copyFromUtf8("s3cret")).build();
  private final ContainerEnvironment environment = new ContainerEnvironment(
      (ns, name) -> ns.equals("prod") && name.equals("settings") ? Optional.of(settings) : Optional.empty(),
      (ns, name) -> ns.equals("prod") && name.equals("db") ? Optional.of(db) : Optional.empty());
  private final Pod pod = Pod.newBuilder()
      .setMetadata(ObjectMeta.newBuilder().setName("web-1").setNamespace("prod").setUid("u-1").putLabels("app", "web"))
      .build();

  private static dev.capstan.api.core.v1.EnvVar field(String name, String path) {
    return dev.capstan.api.core.v1.EnvVar.newBuilder().setName(name)
        .setValueFrom(EnvVarSource.newBuilder().setFieldRef(ObjectFieldSelector.newBuilder().setFieldPath(path))).build();
  }

  private static dev.capstan.api.core.v1.EnvVar configMap(String name, String cm, String key, boolean optional) {
    ConfigMapKeySelector.Builder ref = ConfigMapKeySelector.newBuilder().setName(cm).setKey(key);
    if (optional) {
      ref.setOptional(true);
    }
    return dev.capstan.api.core.v1.EnvVar.newBuilder().setName(name)
        .setValueFrom(EnvVarSource.newBuilder().setConfigMapKeyRef(ref)).build();
  }

  @Test
  void resolvesValuesFieldRefsConfigMapsAndReferences() {
    Container c = Container.newBuilder().setName("app")
        .addEnv(field("POD_NAME", "metadata.name"))
        .addEnv(field("POD_NAMESPACE", "metadata.namespace"))
        .addEnv(field("POD_IP", "status.podIP"))
        .addEnv(field("APP", "metadata.labels['app']"))
        .addEnv(configMap("MODE", "settings", "mode", false))
        .addEnv(configMap("EXTRA", "absent", "x", true))
        .addEnv(dev.capstan.api.core.v1.EnvVar.newBuilder().setName("GREETING").setValue("hello $(POD_NAME)"))
        .addCommand("echo").addArgs("$(GREETING) in $(MODE) mode").addArgs("$(UNDEFINED)")
        .build();

    ContainerEnvironment.Resolved r = environment.resolve(pod, c, "spec.containers[0]", "10.0.0.5", "192.168.1.2");

    assertThat(r.env()).containsExactly(
        new EnvVar("POD_NAME", "web-1"), new EnvVar("POD_NAMESPACE", "prod"), new EnvVar("POD_IP", "10.0.0.5"),
        new EnvVar("APP", "web"), new EnvVar("MODE", "fast"), new EnvVar("GREETING", "hello web-1"));
    assertThat(r.command()).containsExactly("echo");
    assertThat(r.args()).containsExactly("hello web-1 in fast mode", "$(UNDEFINED)");
  }

  @Test
  void aMissingConfigMapOrKeyNamesTheField() {
    Container noMap = Container.newBuilder().setName("app").addEnv(configMap("X", "absent", "k", false)).build();
    assertThatThrownBy(() -> environment.resolve(pod, noMap, "spec.containers[0]", "", ""))
        .isInstanceOf(ContainerConfigException.class)
        .hasMessage("spec.containers[0].env[0].valueFrom.configMapKeyRef: configmap \"absent\" not found");
    Container noKey = Container.newBuilder().setName("app").addEnv(configMap("X", "settings", "nokey", false)).build();
    assertThatThrownBy(() -> environment.resolve(pod, noKey, "spec.containers[1]", "", ""))
        .hasMessageContaining("spec.containers[1].env[0]").hasMessageContaining("couldn't find key nokey in ConfigMap prod/settings");
  }

  private static dev.capstan.api.core.v1.EnvVar secret(String name, String secret, String key, boolean optional) {
    SecretKeySelector.Builder ref = SecretKeySelector.newBuilder().setName(secret).setKey(key);
    if (optional) {
      ref.setOptional(true);
    }
    return dev.capstan.api.core.v1.EnvVar.newBuilder().setName(name)
        .setValueFrom(EnvVarSource.newBuilder().setSecretKeyRef(ref)).build();
  }

  @Test
  void secretKeysResolveAndAMissingSecretOrKeyNamesTheField() {
    Container c = Container.newBuilder().setName("app")
        .addEnv(secret("DB_PASSWORD", "db", "password", false))
        .addEnv(secret("TOKEN", "absent", "token", true))
        .addEnv(secret("OTHER", "db", "nokey", true))
        .build();
    assertThat(environment.resolve(pod, c, "spec.containers[0]", "", "").env())
        .containsExactly(new EnvVar("DB_PASSWORD", "s3cret"));

    Container noSecret = Container.newBuilder().setName("app").addEnv(secret("X", "absent", "k", false)).build();
    assertThatThrownBy(() -> environment.resolve(pod, noSecret, "spec.containers[0]", "", ""))
        .isInstanceOf(ContainerConfigException.class)
        .hasMessage("spec.containers[0].env[0].valueFrom.secretKeyRef: secret \"absent\" not found");
    Container noKey = Container.newBuilder().setName("app").addEnv(secret("X", "db", "user", false)).build();
    assertThatThrownBy(() -> environment.resolve(pod, noKey, "spec.containers[0]", "", ""))
        .hasMessage("spec.containers[0].env[0].valueFrom.secretKeyRef: couldn't find key user in Secret prod/db");
  }

  @Test
  void anUnsupportedFieldPathIsAnError() {
    Container c = Container.newBuilder().setName("app").addEnv(field("X", "spec.nope")).build();
    assertThatThrownBy(() -> environment.resolve(pod, c, "spec.containers[0]", "", ""))
        .hasMessage("spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: unsupported field \"spec.nope\"");
  }
}
