package dev.capstan.store;

/**
 * The store's failures with etcd's own texts, which clients such as etcdctl and jetcd match on.
 * One factory per failure so that every binding reports the same cause the same way.
 */
public final class StoreErrors {

  public static final String COMPACTED = "etcdserver: mvcc: required revision has been compacted";
  public static final String FUTURE_REVISION = "etcdserver: mvcc: required revision is a future revision";
  public static final String NO_LEADER = "etcdserver: no leader";
  public static final String EMPTY_KEY = "etcdserver: key is not provided";
  public static final String TOO_MANY_OPS = "etcdserver: too many operations in txn request";
  public static final String REQUEST_TOO_LARGE = "etcdserver: request is too large";
  public static final String DUPLICATE_KEY = "etcdserver: duplicate key given in txn request";
  public static final String KEY_NOT_FOUND = "etcdserver: key not found";
  public static final String VALUE_PROVIDED = "etcdserver: value is provided";
  public static final String LEASE_PROVIDED = "etcdserver: lease is provided";
  public static final String INVALID_SORT_OPTION = "etcdserver: invalid sort option";
  public static final String LEASE_NOT_FOUND = "etcdserver: requested lease not found";
  public static final String LEASE_EXISTS = "etcdserver: lease already exists";
  public static final String LEASE_TTL_TOO_LARGE = "etcdserver: too large lease TTL";
  /** What a member answers once it was removed from the group (etcd's removed member stops). */
  public static final String MEMBER_REMOVED = "etcdserver: the member has been permanently removed from the cluster";

  private StoreErrors() {}

  public static StoreException compacted() {
    return new StoreException(StoreException.Code.COMPACTED, COMPACTED);
  }

  public static StoreException futureRevision() {
    return new StoreException(StoreException.Code.FUTURE_REVISION, FUTURE_REVISION);
  }

  public static StoreException noLeader(Throwable cause) {
    return new StoreException(StoreException.Code.NO_LEADER, NO_LEADER, cause);
  }

  public static StoreException emptyKey() {
    return new StoreException(StoreException.Code.INVALID_ARGUMENT, EMPTY_KEY);
  }

  public static StoreException tooManyOps() {
    return new StoreException(StoreException.Code.INVALID_ARGUMENT, TOO_MANY_OPS);
  }

  public static StoreException requestTooLarge() {
    return new StoreException(StoreException.Code.TOO_LARGE, REQUEST_TOO_LARGE);
  }

  public static StoreException duplicateKey() {
    return new StoreException(StoreException.Code.INVALID_ARGUMENT, DUPLICATE_KEY);
  }

  public static StoreException keyNotFound() {
    return new StoreException(StoreException.Code.INVALID_ARGUMENT, KEY_NOT_FOUND);
  }

  public static StoreException valueProvided() {
    return new StoreException(StoreException.Code.INVALID_ARGUMENT, VALUE_PROVIDED);
  }

  public static StoreException leaseProvided() {
    return new StoreException(StoreException.Code.INVALID_ARGUMENT, LEASE_PROVIDED);
  }

  public static StoreException invalidSortOption() {
    return new StoreException(StoreException.Code.INVALID_ARGUMENT, INVALID_SORT_OPTION);
  }

  public static StoreException leaseNotFound() {
    return new StoreException(StoreException.Code.LEASE_NOT_FOUND, LEASE_NOT_FOUND);
  }

  public static StoreException leaseExists() {
    return new StoreException(StoreException.Code.LEASE_EXISTS, LEASE_EXISTS);
  }

  public static StoreException leaseTtlTooLarge() {
    return new StoreException(StoreException.Code.LEASE_TTL_TOO_LARGE, LEASE_TTL_TOO_LARGE);
  }

  public static StoreException unimplemented(String what) {
    return new StoreException(StoreException.Code.UNIMPLEMENTED, what + " is not supported by this store");
  }

  public static StoreException unavailable(String why) {
    return new StoreException(StoreException.Code.UNAVAILABLE, why);
  }

  public static StoreException unavailable(String why, Throwable cause) {
    return new StoreException(StoreException.Code.UNAVAILABLE, why, cause);
  }

  public static StoreException memberRemoved() {
    return new StoreException(StoreException.Code.UNAVAILABLE, MEMBER_REMOVED);
  }
}
