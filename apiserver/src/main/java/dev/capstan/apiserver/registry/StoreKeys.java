package dev.capstan.apiserver.registry;

import com.google.protobuf.ByteString;
import dev.capstan.client.Kind;
import java.nio.charset.StandardCharsets;

/**
 * Where objects live in the store: {@code /registry/<resource>/<namespace>/<name>}, or
 * {@code /registry/<resource>/<name>} for cluster-scoped kinds (DESIGN §3).
 */
public final class StoreKeys {
  private StoreKeys() {}

  public static ByteString objectKey(Kind<?> kind, String namespace, String name) {
    String k = kind.namespaced()
        ? "/registry/" + kind.resource() + "/" + namespace + "/" + name
        : "/registry/" + kind.resource() + "/" + name;
    return ByteString.copyFrom(k, StandardCharsets.UTF_8);
  }

  /** The prefix of one namespace's objects, or of all objects of the kind when namespace is empty. */
  public static ByteString prefix(Kind<?> kind, String namespace) {
    String p = kind.namespaced() && !namespace.isEmpty()
        ? "/registry/" + kind.resource() + "/" + namespace + "/"
        : "/registry/" + kind.resource() + "/";
    return ByteString.copyFrom(p, StandardCharsets.UTF_8);
  }

  /** The end of a prefix scan: the prefix with its last byte incremented. */
  public static ByteString rangeEnd(ByteString prefix) {
    byte[] b = prefix.toByteArray();
    for (int i = b.length - 1; i >= 0; i--) {
      if (b[i] != (byte) 0xff) {
        b[i]++;
        return ByteString.copyFrom(b, 0, i + 1);
      }
    }
    return ByteString.copyFrom(new byte[] {0});
  }
}
