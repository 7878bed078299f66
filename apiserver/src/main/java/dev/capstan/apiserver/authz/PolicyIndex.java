package dev.capstan.apiserver.authz;

import com.google.protobuf.Message;
import dev.capstan.api.rbac.v1.ClusterRole;
import dev.capstan.api.rbac.v1.ClusterRoleBinding;
import dev.capstan.api.rbac.v1.Role;
import dev.capstan.api.rbac.v1.RoleBinding;
import dev.capstan.apiserver.watch.CachedObject;
import dev.capstan.apiserver.watch.WatchCache;
import dev.capstan.client.Kind;
import dev.capstan.client.Kinds;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The current RBAC objects in memory, kept up to date by the apiserver's watch caches of the four
 * RBAC kinds (see {@link #feed}, a {@link WatchCache.Listener}); role bindings are indexed by namespace so that a request only
 * looks at the bindings of its own namespace. Thread-safe: written by the caches, read by every
 * request.
 */
public final class PolicyIndex implements PolicySource {
  private final Map<String, Role> roles = new ConcurrentHashMap<>();
  private final Map<String, ClusterRole> clusterRoles = new ConcurrentHashMap<>();
  private final Map<String, Map<String, RoleBinding>> roleBindings = new ConcurrentHashMap<>();
  private final Map<String, ClusterRoleBinding> clusterRoleBindings = new ConcurrentHashMap<>();

  /** The feed for an RBAC kind. */
  @SuppressWarnings("unchecked")
  public <T extends Message> WatchCache.Listener<T> feed(Kind<T> kind) {
    if (kind == Kinds.ROLE) {
      return (WatchCache.Listener<T>) new MapFeed<Role>(this::putRole, this::removeRole, roles::clear);
    } else if (kind == Kinds.CLUSTER_ROLE) {
      return (WatchCache.Listener<T>) new MapFeed<ClusterRole>(this::put, this::remove, clusterRoles::clear);
    } else if (kind == Kinds.ROLE_BINDING) {
      return (WatchCache.Listener<T>) new MapFeed<RoleBinding>(this::put, this::remove, roleBindings::clear);
    } else if (kind == Kinds.CLUSTER_ROLE_BINDING) {
      return (WatchCache.Listener<T>) new MapFeed<ClusterRoleBinding>(this::put, this::remove, clusterRoleBindings::clear);
    }
    throw new IllegalArgumentException("not an RBAC kind: " + kind);
  }

  public void putRole(Role r) {
    roles.put(r.getMetadata().getNamespace() + "/" + r.getMetadata().getName(), r);
  }

  public void removeRole(Role r) {
    roles.remove(r.getMetadata().getNamespace() + "/" + r.getMetadata().getName());
  }

  public void put(ClusterRole r) {
    clusterRoles.put(r.getMetadata().getName(), r);
  }

  public void remove(ClusterRole r) {
    clusterRoles.remove(r.getMetadata().getName());
  }

  public void put(RoleBinding b) {
    roleBindings.computeIfAbsent(b.getMetadata().getNamespace(), ns -> new ConcurrentHashMap<>())
        .put(b.getMetadata().getName(), b);
  }

  public void remove(RoleBinding b) {
    Map<String, RoleBinding> ns = roleBindings.get(b.getMetadata().getNamespace());
    if (ns != null) {
      ns.remove(b.getMetadata().getName());
    }
  }

  public void put(ClusterRoleBinding b) {
    clusterRoleBindings.put(b.getMetadata().getName(), b);
  }

  public void remove(ClusterRoleBinding b) {
    clusterRoleBindings.remove(b.getMetadata().getName());
  }

  @Override
  public Optional<Role> role(String namespace, String name) {
    return Optional.ofNullable(roles.get(namespace + "/" + name));
  }

  @Override
  public Optional<ClusterRole> clusterRole(String name) {
    return Optional.ofNullable(clusterRoles.get(name));
  }

  @Override
  public Collection<RoleBinding> roleBindings(String namespace) {
    Map<String, RoleBinding> ns = roleBindings.get(namespace);
    return ns == null ? List.of() : ns.values();
  }

  @Override
  public Collection<ClusterRoleBinding> clusterRoleBindings() {
    return clusterRoleBindings.values();
  }

  private record MapFeed<T extends Message>(java.util.function.Consumer<T> put, java.util.function.Consumer<T> remove,
      Runnable clear) implements WatchCache.Listener<T> {
    @Override
    public void reset(Collection<CachedObject<T>> objects) {
      clear.run();
      objects.forEach(o -> put.accept(o.object()));
    }

    @Override
    public void changed(CachedObject<T> previous, CachedObject<T> current) {
      if (current != null) {
        put.accept(current.object());
      } else if (previous != null) {
        remove.accept(previous.object());
      }
    }
  }
}
