package dev.capstan.store.mvcc;

import dev.capstan.etcd.mvccpb.KeyValue;

/**
 * One stored version of a key: the value a put wrote at {@code revision}, or the tombstone a
 * delete left there. {@code sub} orders the changes of one revision (one request may change many
 * keys). A tombstone's {@code kv} carries only the key and the deleting revision, which is what
 * etcd puts in a DELETE event.
 */
record KeyRevision(long revision, int sub, KeyValue kv, boolean tombstone) {

  static KeyRevision put(long revision, int sub, KeyValue kv) {
    return new KeyRevision(revision, sub, kv, false);
  }

  static KeyRevision tombstone(long revision, int sub, KeyValue deleted) {
    KeyValue marker = KeyValue.newBuilder().setKey(deleted.getKey()).setModRevision(revision).build();
    return new KeyRevision(revision, sub, marker, true);
  }
}
