package dev.capstan.apiserver.registry;

import java.util.Map;

/** What a label and field selector test of an object, however the object is held. */
public interface Selectable {
  /** metadata.namespace; "" for cluster-scoped objects. */
  String namespace();

  /** metadata.labels. */
  Map<String, String> labels();

  /**
   * The text of a selectable field by its JSON path ("spec.nodeName"), as
   * {@link ObjectFilter#supportedFields} names them; "" when unset or not a scalar.
   */
  String field(String path);
}
