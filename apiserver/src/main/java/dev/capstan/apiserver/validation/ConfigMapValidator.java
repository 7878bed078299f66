package dev.capstan.apiserver.validation;

import dev.capstan.api.core.v1.ConfigMap;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Validates ConfigMaps: keys of data and binaryData are valid config keys and distinct, the total
 * size is at most 1 MiB, and an immutable ConfigMap keeps its data and stays immutable.
 */
final class ConfigMapValidator implements Validator<ConfigMap> {
  /** Kubernetes' limit on a ConfigMap's data (etcd's request size bounds objects). */
  static final int MAX_BYTES = 1024 * 1024;

  private final ObjectMetaValidator meta = ObjectMetaValidator.subdomainNames(true);

  @Override
  public List<FieldError> validate(ConfigMap configMap, ConfigMap old) {
    List<FieldError> errors = new ArrayList<>(
        meta.validate(configMap.getMetadata(), old == null ? null : old.getMetadata()));
    long size = 0;
    FieldPath data = FieldPath.of("data");
    for (var e : configMap.getDataMap().entrySet()) {
      NameSyntax.configKey(e.getKey()).ifPresent(why -> errors.add(data.invalid(e.getKey(), why)));
      size += e.getKey().length() + e.getValue().getBytes(StandardCharsets.UTF_8).length;
    }
    FieldPath binaryData = FieldPath.of("binaryData");
    for (var e : configMap.getBinaryDataMap().entrySet()) {
      NameSyntax.configKey(e.getKey()).ifPresent(why -> errors.add(binaryData.invalid(e.getKey(), why)));
      if (configMap.containsData(e.getKey())) {
        errors.add(binaryData.invalid(e.getKey(), "duplicate of key present in data"));
      }
      size += e.getKey().length() + e.getValue().size();
    }
    if (size > MAX_BYTES) {
      errors.add(data.error("too long: the data of a ConfigMap must have at most " + MAX_BYTES + " bytes"));
    }
    if (old != null && old.hasImmutable() && old.getImmutable()) {
      if (!configMap.hasImmutable() || !configMap.getImmutable()) {
        errors.add(FieldPath.of("immutable").error("field is immutable when `immutable` is set"));
      }
      if (!configMap.getDataMap().equals(old.getDataMap())) {
        errors.add(data.error("field is immutable when `immutable` is set"));
      }
      if (!configMap.getBinaryDataMap().equals(old.getBinaryDataMap())) {
        errors.add(binaryData.error("field is immutable when `immutable` is set"));
      }
    }
    return errors;
  }
}
