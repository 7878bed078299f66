package dev.capstan.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.agent.runtime.containerd.ImageArchive;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageArchiveIndexTest {
  @TempDir
  Path tmp;

  @Test
  void aDockerArchiveNamesItsRepoTags() throws IOException {
    Path archive = tmp.resolve("hello.tar");
    new ImageArchive("example.local/hello:1", List.of(), List.of("/hello"), List.of())
        .file("hello", 0755, "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8))
        .writeTo(archive);
    ImageArchiveIndex index = ImageArchiveIndex.read(archive);
    assertThat(index.format()).isEqualTo(ImageArchiveIndex.Format.DOCKER_ARCHIVE);
    assertThat(index.references()).containsExactly("example.local/hello:1");
  }

  @Test
  void anOciLayoutWrittenByGnuTarNamesItsAnnotatedImages() throws Exception {
    Path layout = Files.createDirectories(tmp.resolve("layout"));
    Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    Files.writeString(layout.resolve("index.json"), """
        {"schemaVersion":2,"manifests":[
          {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:00","size":1,
           "annotations":{"io.containerd.image.name":"example.local/app:2","org.opencontainers.image.ref.name":"2"}},
          {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:01","size":1,
           "annotations":{"org.opencontainers.image.ref.name":"example.local/tool:3"}}]}
        """);
    Path blobs = Files.createDirectories(layout.resolve("blobs/sha256"));
    byte[] big = new byte[3000];
    Arrays.fill(big, (byte) 'x');
    Files.write(blobs.resolve("a".repeat(64)), big);
    Path archive = tmp.resolve("oci.tar");
    // GNU tar, as users make these: entries are "./index.json" and so on.
    Process tar = new ProcessBuilder("tar", "-C", layout.toString(), "-cf", archive.toString(), ".")
        .redirectErrorStream(true).start();
    assertThat(tar.waitFor()).as(new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();

    ImageArchiveIndex index = ImageArchiveIndex.read(archive);
    assertThat(index.format()).isEqualTo(ImageArchiveIndex.Format.OCI);
    assertThat(index.references()).containsExactly("example.local/app:2", "example.local/tool:3");
  }

  @Test
  void aFileThatIsNoTarIsRefusedByName() throws IOException {
    Path notTar = tmp.resolve("notes.txt");
    Files.writeString(notTar, "hello\n".repeat(200));
    assertThatThrownBy(() -> ImageArchiveIndex.read(notTar))
        .isInstanceOf(IOException.class).hasMessage(notTar + ": not a tar archive");
  }

  @Test
  void aTarWithoutAnImageIsRefused() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("plain"));
    Files.writeString(dir.resolve("readme"), "no image here");
    Path archive = tmp.resolve("plain.tar");
    Process tar = new ProcessBuilder("tar", "-C", dir.toString(), "-cf", archive.toString(), "readme").start();
    assertThat(tar.waitFor()).isZero();
    assertThatThrownBy(() -> ImageArchiveIndex.read(archive))
        .isInstanceOf(IOException.class).hasMessageContaining(archive + ": not an image archive");
  }

  @Test
  void aTruncatedArchiveAndAMissingFileAreErrors() throws IOException {
    Path archive = tmp.resolve("hello.tar");
    new ImageArchive("example.local/hello:1", List.of(), List.of("/hello"), List.of())
        .file("hello", 0755, new byte[5000]).writeTo(archive);
    byte[] whole = Files.readAllBytes(archive);
    Path cut = tmp.resolve("cut.tar");
    // Cut inside the layer's data, before manifest.json (the last entry).
    Files.write(cut, Arrays.copyOf(whole, 2048));
    assertThatThrownBy(() -> ImageArchiveIndex.read(cut)).isInstanceOf(IOException.class)
        .hasMessageContaining(cut.toString());
    assertThatThrownBy(() -> ImageArchiveIndex.read(tmp.resolve("nope.tar")))
        .isInstanceOf(IOException.class).hasMessage(tmp.resolve("nope.tar") + ": no such file");
  }
}
