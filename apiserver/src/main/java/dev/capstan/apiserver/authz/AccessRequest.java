package dev.capstan.apiserver.authz;

import com.google.protobuf.Message;
import dev.capstan.client.Kind;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One API request as access control sees it, before the registry acts on it: the kind, the verb,
 * the subresource ("" for the object itself), the namespace and name it targets (empty when it
 * targets all namespaces or a whole collection), and a way to read the stored object, which
 * admission checks such as {@link NodeRestriction} need and which is read only when asked for.
 *
 * <p>{@code cachedSameUid} gives, without a store read, the server's cached copy of the object
 * when the request carries an object with a uid and the copy has that uid; otherwise empty. The
 * copy may lag the store, so a check may use it only to allow, and only on what never changes for
 * one uid; the registry refuses a write whose uid is not the stored object's.
 */
public record AccessRequest(Kind<?> kind, String verb, String subresource, String namespace, String name,
    Supplier<Optional<? extends Message>> stored, Supplier<Optional<? extends Message>> cachedSameUid) {

  /** A request without a cached copy to offer. */
  public AccessRequest(Kind<?> kind, String verb, String subresource, String namespace, String name,
      Supplier<Optional<? extends Message>> stored) {
    this(kind, verb, subresource, namespace, name, stored, Optional::empty);
  }

  public static final String CREATE = "create";
  public static final String GET = "get";
  public static final String LIST = "list";
  public static final String WATCH = "watch";
  public static final String UPDATE = "update";
  public static final String PATCH = "patch";
  public static final String DELETE = "delete";
  public static final String DELETE_COLLECTION = "deletecollection";

  public boolean isWrite() {
    return verb.equals(CREATE) || verb.equals(UPDATE) || verb.equals(PATCH) || verb.equals(DELETE)
        || verb.equals(DELETE_COLLECTION);
  }
}
