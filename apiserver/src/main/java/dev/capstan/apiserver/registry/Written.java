package dev.capstan.apiserver.registry;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.client.Kind;

/**
 * What a Create, Update, UpdateStatus or Patch answers: the object as the store now holds it and,
 * when this very request stored it, the bytes it stored and the revision they were stored at. A
 * reply to a network client is written from those bytes with the revision added as
 * resourceVersion, instead of encoding the object a second time (the store's copy was encoded
 * once already). A write that stored nothing (an update that changes nothing, answered with the
 * store's object) carries no bytes.
 */
public final class Written<T extends Message> {
  private final Kind<T> kind;
  private final T object;
  private final ByteString stored;
  private final long revision;

  private Written(Kind<T> kind, T object, ByteString stored, long revision) {
    this.kind = kind;
    this.object = object;
    this.stored = stored;
    this.revision = revision;
  }

  /** {@code object} stored as {@code stored} (its encoding without resourceVersion) at {@code revision}. */
  static <T extends Message> Written<T> stored(Kind<T> kind, T object, ByteString stored, long revision) {
    return new Written<>(kind, object, stored, revision);
  }

  /** An answer this request did not store: {@code object} as it is, resourceVersion included. */
  static <T extends Message> Written<T> unwritten(Kind<T> kind, T object) {
    return new Written<>(kind, object, null, 0);
  }

  /** The object with its resourceVersion, as Get would answer it. */
  public T object() {
    if (stored == null) {
      return object;
    }
    ObjectMeta meta = kind.metadata(object);
    return kind.withMetadata(object, meta.toBuilder().setResourceVersion(Long.toString(revision)).build());
  }

  /** Whether this request stored the object: then {@link #stored} and {@link #revision} are its write. */
  public boolean isStored() {
    return stored != null;
  }

  /** The bytes the store holds for the object (no resourceVersion in them); null when not {@link #isStored}. */
  public ByteString stored() {
    return stored;
  }

  /** The store's revision of the write (the object's resourceVersion); 0 when not {@link #isStored}. */
  public long revision() {
    return revision;
  }
}
