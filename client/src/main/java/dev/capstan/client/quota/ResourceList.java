package dev.capstan.client.quota;

import dev.capstan.client.quantity.Quantity;
import java.util.Map;
import java.util.TreeMap;

/**
 * Amounts by resource name ({@code pods}, {@code requests.cpu}, ...), as a ResourceQuota's hard and
 * used maps hold them: immutable, sorted by name, with the arithmetic quota accounting needs. A
 * name missing from a list counts as zero.
 */
public record ResourceList(Map<String, Quantity> amounts) {
  public static final ResourceList EMPTY = new ResourceList(Map.of());

  public ResourceList {
    amounts = java.util.Collections.unmodifiableMap(new TreeMap<>(amounts));
  }

  /**
   * Parses the string form of a proto map; an invalid quantity fails naming {@code field} and the
   * resource, as in {@code spec.hard[pods]: invalid quantity "x"}.
   */
  public static ResourceList parse(Map<String, String> values, String field) {
    Map<String, Quantity> m = new TreeMap<>();
    values.forEach((name, text) -> {
      try {
        m.put(name, Quantity.parse(text));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(field + "[" + name + "]: " + e.getMessage(), e);
      }
    });
    return new ResourceList(m);
  }

  /** The amount of one resource; zero when absent. */
  public Quantity get(String name) {
    return amounts.getOrDefault(name, Quantity.ZERO);
  }

  public boolean has(String name) {
    return amounts.containsKey(name);
  }

  /** The sum per resource, over the names of both. */
  public ResourceList plus(ResourceList other) {
    Map<String, Quantity> m = new TreeMap<>(amounts);
    other.amounts.forEach((k, v) -> m.merge(k, v, Quantity::plus));
    return new ResourceList(m);
  }

  /** Only the resources {@code names} holds. */
  public ResourceList only(java.util.Set<String> names) {
    Map<String, Quantity> m = new TreeMap<>();
    amounts.forEach((k, v) -> {
      if (names.contains(k)) {
        m.put(k, v);
      }
    });
    return new ResourceList(m);
  }

  /** The string form of a proto map, each amount in its canonical text. */
  public Map<String, String> toStrings() {
    Map<String, String> m = new TreeMap<>();
    amounts.forEach((k, v) -> m.put(k, v.toString()));
    return m;
  }

  /** {@code name=amount,name=amount}, sorted by name, as Kubernetes' quota messages write lists. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    amounts.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ",").append(k).append('=').append(v));
    return sb.toString();
  }
}
