package dev.capstan.apiserver.watch;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.capstan.apiserver.registry.Selectable;
import dev.capstan.apiserver.registry.SelectorFieldReader;
import dev.capstan.apiserver.registry.SelectorFields;
import dev.capstan.client.Kind;
import java.util.Map;

/**
 * An object as the watch cache keeps it: the bytes the store holds (the same instance, so the
 * cache adds no copy of them), the revision that is its resourceVersion, and the few fields
 * selectors test, read from the bytes once. A decoded object costs several times its encoding in
 * heap and in every young collection that copies it (bench/object-footprint.sh: 5.3 KB against
 * 0.7 KB for a pod), and most cached objects are never read whole -- a follower's, or those no
 * watcher selects -- so {@link #object} decodes on each call; a caller that needs the object
 * twice keeps it, and a kind read on every request keeps it here ({@link #objectKept}). Immutable
 * but for that kept copy.
 */
public final class CachedObject<T extends Message> implements Selectable {
  private final Kind<T> kind;
  private final ByteString encoded;
  private final long revision;
  private final SelectorFields fields;
  /** Set by {@link #objectKept}, for the few kinds read on every request. */
  private volatile T kept;

  private CachedObject(Kind<T> kind, ByteString encoded, long revision, SelectorFields fields) {
    this.kind = kind;
    this.encoded = encoded;
    this.revision = revision;
    this.fields = fields;
  }

  /**
   * The object stored as {@code encoded} (without its resourceVersion, as the registry stores
   * objects) at {@code revision}; its selector fields read by {@code reader}.
   */
  public static <T extends Message> CachedObject<T> of(Kind<T> kind, SelectorFieldReader reader, ByteString encoded,
      long revision) {
    return new CachedObject<>(kind, encoded, revision, reader.read(encoded));
  }

  /** The same object stamped with another revision (a deleted object carries its deletion's). */
  CachedObject<T> atRevision(long otherRevision) {
    return new CachedObject<>(kind, encoded, otherRevision, fields);
  }

  /** Decodes the object, with its resourceVersion; a new instance on every call. */
  public T object() {
    return kind.parseWithResourceVersion(encoded, Long.toString(revision));
  }

  Kind<T> kind() {
    return kind;
  }

  /** The bytes as stored: without the resourceVersion. */
  ByteString encoded() {
    return encoded;
  }

  /**
   * The object decoded once and kept with this version: for kinds read on nearly every request
   * (a create's namespace and service account), which are few and small, where decoding on every
   * read would cost more than keeping them. Two threads asking at once may both decode.
   */
  public T objectKept() {
    T k = kept;
    if (k == null) {
      k = object();
      kept = k;
    }
    return k;
  }

  /** The store's mod_revision of this version: its resourceVersion. */
  public long revision() {
    return revision;
  }

  public String name() {
    return fields.name();
  }

  @Override
  public String namespace() {
    return fields.namespace();
  }

  @Override
  public Map<String, String> labels() {
    return fields.labels();
  }

  @Override
  public String field(String path) {
    return fields.field(path);
  }
}
