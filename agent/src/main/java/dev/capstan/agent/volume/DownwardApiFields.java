package dev.capstan.agent.volume;

import dev.capstan.api.core.v1.Pod;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The content of a downwardAPI file: one of the pod's fields as Kubernetes writes it.
 * {@code metadata.name}, {@code metadata.namespace} and {@code metadata.uid} as they are;
 * {@code metadata.labels} and {@code metadata.annotations} as {@code key="value"} lines sorted by
 * key, the value quoted as a Go string literal; one label or annotation
 * ({@code metadata.labels['app']}) as its value, empty when absent.
 */
final class DownwardApiFields {
  private static final Pattern ONE = Pattern.compile("metadata\\.(labels|annotations)\\['([^']+)'\\]");

  private DownwardApiFields() {}

  /**
   * @throws IllegalArgumentException for a field a downwardAPI volume does not offer
   */
  static String value(Pod pod, String fieldPath) {
    var meta = pod.getMetadata();
    switch (fieldPath) {
      case "metadata.name":
        return meta.getName();
      case "metadata.namespace":
        return meta.getNamespace();
      case "metadata.uid":
        return meta.getUid();
      case "metadata.labels":
        return lines(meta.getLabelsMap());
      case "metadata.annotations":
        return lines(meta.getAnnotationsMap());
      default:
        Matcher m = ONE.matcher(fieldPath);
        if (!m.matches()) {
          throw new IllegalArgumentException("unsupported value \"" + fieldPath + "\": supported values:"
              + " \"metadata.name\", \"metadata.namespace\", \"metadata.uid\", \"metadata.labels\","
              + " \"metadata.annotations\", \"metadata.labels['<key>']\", \"metadata.annotations['<key>']\"");
        }
        Map<String, String> map = m.group(1).equals("labels") ? meta.getLabelsMap() : meta.getAnnotationsMap();
        return map.getOrDefault(m.group(2), "");
    }
  }

  private static String lines(Map<String, String> map) {
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, String> e : new TreeMap<>(map).entrySet()) {
      if (out.length() > 0) {
        out.append('\n');
      }
      out.append(e.getKey()).append('=').append(quote(e.getValue()));
    }
    return out.toString();
  }

  /** A Go-style double-quoted literal (strconv.Quote for the common characters). */
  private static String quote(String s) {
    StringBuilder q = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> q.append("\\\"");
        case '\\' -> q.append("\\\\");
        case '\n' -> q.append("\\n");
        case '\t' -> q.append("\\t");
        case '\r' -> q.append("\\r");
        default -> {
          if (c < 0x20) {
            q.append(String.format("\\x%02x", (int) c));
          } else {
            q.append(c);
          }
        }
      }
    }
    return q.append('"').toString();
  }
}
