package dev.capstan.store;

/** A store failure with a machine-readable cause; messages use etcd's texts where etcd has one. */
public class StoreException extends RuntimeException {

  public enum Code {
    /** "etcdserver: mvcc: required revision has been compacted" */
    COMPACTED,
    /** "etcdserver: mvcc: required revision is a future revision" */
    FUTURE_REVISION,
    /** "etcdserver: no leader": the Raft group has no leader right now. */
    NO_LEADER,
    /** "etcdserver: requested lease not found" */
    LEASE_NOT_FOUND,
    /** "etcdserver: lease already exists": a grant asked for an ID that is in use. */
    LEASE_EXISTS,
    /** "etcdserver: too large lease TTL" */
    LEASE_TTL_TOO_LARGE,
    /** Bad request: empty key, too many ops, request too large. */
    INVALID_ARGUMENT,
    /** The request's size exceeds the limit. */
    TOO_LARGE,
    /** The store is closed or unreachable. */
    UNAVAILABLE,
    /** The binding does not offer this operation. */
    UNIMPLEMENTED,
    INTERNAL
  }

  private final Code code;

  public StoreException(Code code, String message) {
    super(message);
    this.code = code;
  }

  public StoreException(Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public Code code() {
    return code;
  }
}
