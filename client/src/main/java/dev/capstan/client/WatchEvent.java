package dev.capstan.client;

/**
 * One event of a watch stream.
 *
 * @param type ADDED, MODIFIED, DELETED or BOOKMARK
 * @param object the object after the change (for DELETED, its last state; for BOOKMARK, only
 *     metadata.resourceVersion is set)
 */
public record WatchEvent<T>(String type, T object) {
  public static final String ADDED = "ADDED";
  public static final String MODIFIED = "MODIFIED";
  public static final String DELETED = "DELETED";
  public static final String BOOKMARK = "BOOKMARK";
}
