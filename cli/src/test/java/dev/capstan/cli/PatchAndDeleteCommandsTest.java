package dev.capstan.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.client.CapstanClient;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code capstan patch} and {@code capstan delete -l / --all} against an in-process apiserver. */
class PatchAndDeleteCommandsTest {
  private InProcessApiServer cluster;
  private CapstanClient client;

  @BeforeEach
  void start() {
    cluster = new InProcessApiServer();
    client = cluster.client();
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  private CliRun capstan(String... args) {
    return cluster.capstan(args);
  }

  private void configMap(String name, String app) {
    client.configMaps().create(ConfigMap.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(name).putLabels("app", app))
        .putData("k", "v").build());
  }

  private List<String> configMapNames() {
    return client.configMaps().list("default").items().stream().map(c -> c.getMetadata().getName()).sorted().toList();
  }

  @Test
  void patchAppliesAMergePatchAndReportsServerErrors() {
    configMap("settings", "web");

    CliRun ok = capstan("patch", "configmap", "settings", "-p", "{\"data\":{\"k\":null,\"mode\":\"fast\"}}");
    assertThat(ok.exitCode()).as(ok.err()).isZero();
    assertThat(ok.out()).isEqualTo("configmap/settings patched\n");
    assertThat(client.configMaps().get("default", "settings").getDataMap()).isEqualTo(Map.of("mode", "fast"));

    CliRun slash = capstan("patch", "configmap/settings", "-p", "{\"metadata\":{\"labels\":{\"app\":\"db\"}}}");
    assertThat(slash.exitCode()).as(slash.err()).isZero();
    assertThat(client.configMaps().get("default", "settings").getMetadata().getLabelsMap()).containsEntry("app", "db");

    CliRun unknown = capstan("patch", "configmap", "settings", "-p", "{\"dataa\":{}}");
    assertThat(unknown.exitCode()).isEqualTo(1);
    assertThat(unknown.err()).contains("dataa: unknown field");

    CliRun type = capstan("patch", "configmap", "settings", "--type", "json", "-p", "[]");
    assertThat(type.exitCode()).isEqualTo(1);
    assertThat(type.err()).contains("--type: unsupported patch type \"json\"");
  }

  @Test
  void deleteWithASelectorOrAllUsesDeleteCollection() {
    configMap("web-1", "web");
    configMap("web-2", "web");
    configMap("db-1", "db");
    configMap("db-2", "db");

    CliRun bySelector = capstan("delete", "configmaps", "-l", "app=web");
    assertThat(bySelector.exitCode()).as(bySelector.err()).isZero();
    assertThat(bySelector.out()).isEqualTo("configmap \"web-1\" deleted\nconfigmap \"web-2\" deleted\n");
    assertThat(configMapNames()).containsExactly("db-1", "db-2");

    CliRun byField = capstan("delete", "configmaps", "--field-selector", "metadata.name=db-2");
    assertThat(byField.out()).isEqualTo("configmap \"db-2\" deleted\n");

    CliRun none = capstan("delete", "configmaps", "-l", "app=nothing");
    assertThat(none.exitCode()).isZero();
    assertThat(none.out()).isEqualTo("No resources found\n");

    CliRun both = capstan("delete", "configmaps", "db-1", "--all");
    assertThat(both.exitCode()).isEqualTo(1);
    assertThat(both.err()).contains("not both");

    CliRun all = capstan("delete", "configmaps", "--all");
    assertThat(all.exitCode()).as(all.err()).isZero();
    assertThat(all.out()).isEqualTo("configmap \"db-1\" deleted\n");
    assertThat(configMapNames()).isEmpty();
  }
}
