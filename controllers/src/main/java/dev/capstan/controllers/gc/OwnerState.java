package dev.capstan.controllers.gc;

/** What the garbage collector knows about one owner of an object. */
public enum OwnerState {
  /** The owner exists with the uid the reference names. */
  PRESENT,
  /** Confirmed by the apiserver: no object with that name and uid. */
  ABSENT,
  /** A kind the collector cannot look up; treated as present, so nothing is deleted on a guess. */
  UNKNOWN
}
