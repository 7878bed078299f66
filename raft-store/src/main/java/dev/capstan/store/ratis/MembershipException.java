package dev.capstan.store.ratis;

/**
 * A membership change that was refused or could not be made. The message is the text etcd
 * answers with where etcd has one ("etcdserver: member not found", ...), so that etcd clients
 * recognise it; {@link #reason()} says which gRPC status it maps to.
 */
public final class MembershipException extends RuntimeException {

  /** Why a change failed. */
  public enum Reason {
    /** No member has the given ID. */
    NOT_FOUND,
    /** The member (its name or its peer address) is in the group already. */
    EXISTS,
    /** The request itself is malformed (bad or missing peer URLs, ...). */
    INVALID,
    /** The change would leave the group unable to commit (too few live members left). */
    NOT_ENOUGH_MEMBERS,
    /** Something the change needs does not answer: the new member, or a leader. */
    UNAVAILABLE
  }

  private final Reason reason;

  public MembershipException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public MembershipException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
