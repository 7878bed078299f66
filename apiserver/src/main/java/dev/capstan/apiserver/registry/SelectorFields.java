package dev.capstan.apiserver.registry;

import java.util.Map;

/**
 * The selector fields of one object as a {@link SelectorFieldReader} read them from its encoding:
 * its labels and the text of each of its kind's selectable fields. Immutable.
 */
public final class SelectorFields implements Selectable {
  private final SelectorFieldReader reader;
  private final String[] values;
  private final Map<String, String> labels;

  SelectorFields(SelectorFieldReader reader, String[] values, Map<String, String> labels) {
    this.reader = reader;
    this.values = values;
    this.labels = labels;
  }

  public String name() {
    return values[reader.nameSlot()];
  }

  @Override
  public String namespace() {
    return values[reader.namespaceSlot()];
  }

  @Override
  public Map<String, String> labels() {
    return labels;
  }

  @Override
  public String field(String path) {
    int slot = reader.slot(path);
    return slot < 0 ? "" : values[slot];
  }
}
