package dev.capstan.agent.runtime.containerd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The archive is checked with the host's GNU tar, an independent reader of the format. */
class ImageArchiveTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  @Test
  void writesADockerArchiveWithManifestConfigAndLayer() throws Exception {
    Path archive = dir.resolve("image.tar");
    new ImageArchive("example.test/tool:2", List.of("/bin/tool"), List.of("--help"), List.of("PATH=/bin"))
        .directory("bin", 0755)
        .file("bin/tool", 0755, "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.US_ASCII))
        .symlink("bin/alias", "/bin/tool")
        .writeTo(archive);

    Path out = Files.createDirectory(dir.resolve("out"));
    tar("-xf", archive.toString(), "-C", out.toString());
    JsonNode manifest = JSON.readTree(out.resolve("manifest.json").toFile()).get(0);
    assertThat(manifest.get("RepoTags").get(0).asText()).isEqualTo("example.test/tool:2");
    byte[] config = Files.readAllBytes(out.resolve(manifest.get("Config").asText()));
    assertThat(manifest.get("Config").asText()).as("named by its digest, the image id")
        .isEqualTo(ImageArchive.sha256(config) + ".json");
    JsonNode configJson = JSON.readTree(config);
    assertThat(configJson.get("os").asText()).isEqualTo("linux");
    assertThat(configJson.get("config").get("Entrypoint").get(0).asText()).isEqualTo("/bin/tool");
    assertThat(configJson.get("config").get("Cmd").get(0).asText()).isEqualTo("--help");
    Path layer = out.resolve(manifest.get("Layers").get(0).asText());
    assertThat(configJson.get("rootfs").get("diff_ids").get(0).asText())
        .isEqualTo("sha256:" + ImageArchive.sha256(Files.readAllBytes(layer)));

    String listing = tar("-tvf", layer.toString());
    assertThat(listing).contains("drwxr-xr-x root/root", "bin/")
        .contains("-rwxr-xr-x root/root", "bin/tool")
        .contains("bin/alias -> /bin/tool");
    Path rootfs = Files.createDirectory(dir.resolve("rootfs"));
    tar("-xf", layer.toString(), "-C", rootfs.toString());
    assertThat(Files.readString(rootfs.resolve("bin/tool"))).isEqualTo("#!/bin/sh\necho hi\n");
  }

  @Test
  void theSameContentGivesTheSameBytes() throws IOException {
    Path a = dir.resolve("a.tar");
    Path b = dir.resolve("b.tar");
    for (Path p : List.of(a, b)) {
      new ImageArchive("example.test/x:1", List.of(), List.of("sh"), List.of()).file("x", 0644, new byte[1000])
          .writeTo(p);
    }
    assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
  }

  private static String tar(String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("tar"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    return output;
  }
}
