package dev.capstan.agent.volume;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProjectedFilesTest {
  @TempDir
  Path dir;

  private static ProjectedFiles.File file(String content, int mode) {
    return new ProjectedFiles.File(content.getBytes(UTF_8), mode);
  }

  private List<String> names() throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void filesAppearWithTheirContentAndModeBehindOneDataLink() throws Exception {
    assertThat(ProjectedFiles.write(dir, Map.of("index.html", file("<h1>hi</h1>", 0644),
        "conf/app.properties", file("a=1", 0400)))).isTrue();

    assertThat(Files.readString(dir.resolve("index.html"))).isEqualTo("<h1>hi</h1>");
    assertThat(Files.readString(dir.resolve("conf/app.properties"))).isEqualTo("a=1");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("index.html"))))
        .isEqualTo("rw-r--r--");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("conf/app.properties"))))
        .isEqualTo("r--------");
    assertThat(Files.readSymbolicLink(dir.resolve("index.html"))).isEqualTo(Path.of("..data/index.html"));
    assertThat(Files.readSymbolicLink(dir.resolve("conf"))).isEqualTo(Path.of("..data/conf"));
    Path version = Files.readSymbolicLink(dir.resolve("..data"));
    assertThat(version.isAbsolute()).as("relative, so it resolves inside a container").isFalse();
    assertThat(names()).containsExactlyInAnyOrder("..data", version.toString(), "conf", "index.html");
  }

  @Test
  void sameFilesAgainChangeNothing() throws Exception {
    Map<String, ProjectedFiles.File> files = Map.of("a", file("1", 0644));
    ProjectedFiles.write(dir, files);
    Path version = Files.readSymbolicLink(dir.resolve("..data"));

    assertThat(ProjectedFiles.write(dir, files)).isFalse();
    assertThat(Files.readSymbolicLink(dir.resolve("..data"))).isEqualTo(version);
    assertThat(ProjectedFiles.write(dir, Map.of("a", file("1", 0600)))).as("a mode change is a change").isTrue();
  }

  @Test
  void anUpdateSwapsToANewVersionAndRemovesTheOldOneAndKeysThatWentAway() throws Exception {
    ProjectedFiles.write(dir, Map.of("a", file("1", 0644), "b", file("2", 0644)));
    Path first = Files.readSymbolicLink(dir.resolve("..data"));
    Path oldFile = dir.resolve(first).resolve("a");

    assertThat(ProjectedFiles.write(dir, Map.of("a", file("one", 0644), "c", file("3", 0644)))).isTrue();

    Path second = Files.readSymbolicLink(dir.resolve("..data"));
    assertThat(second).isNotEqualTo(first);
    assertThat(Files.readString(dir.resolve("a"))).isEqualTo("one");
    assertThat(Files.readString(dir.resolve("c"))).isEqualTo("3");
    assertThat(names()).containsExactlyInAnyOrder("..data", second.toString(), "a", "c");
    assertThat(oldFile).doesNotExist();
  }

  @Test
  void anEmptySetLeavesAnEmptyVolume() throws Exception {
    ProjectedFiles.write(dir, Map.of("a", file("1", 0644)));
    ProjectedFiles.write(dir, Map.of());
    Path version = Files.readSymbolicLink(dir.resolve("..data"));
    assertThat(names()).containsExactlyInAnyOrder("..data", version.toString());
  }
}
