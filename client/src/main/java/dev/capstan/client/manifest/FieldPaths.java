package dev.capstan.client.manifest;

/** Kubernetes-style field paths: {@code spec.containers[0].image}, {@code metadata.labels[app]}. */
final class FieldPaths {
  private FieldPaths() {}

  static String field(String parent, String name) {
    return parent.isEmpty() ? name : parent + "." + name;
  }

  static String index(String parent, int index) {
    return parent + "[" + index + "]";
  }

  static String key(String parent, String key) {
    return parent + "[" + key + "]";
  }
}
