package dev.capstan.apiserver.validation;

import dev.capstan.api.core.v1.Secret;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Validates Secrets as Kubernetes does: the keys of data are valid config keys, the total size is
 * at most 1 MiB, the type never changes, and an immutable Secret keeps its data and stays
 * immutable. Runs after {@link dev.capstan.apiserver.defaulting.SecretDefaulter} has merged
 * stringData into data, so a bad stringData key is reported under data, as in Kubernetes; any
 * stringData left (a caller that skipped the defaulter) is checked under its own name.
 */
final class SecretValidator implements Validator<Secret> {
  static final int MAX_BYTES = 1024 * 1024;

  private final ObjectMetaValidator meta = ObjectMetaValidator.subdomainNames(true);

  @Override
  public List<FieldError> validate(Secret secret, Secret old) {
    List<FieldError> errors = new ArrayList<>(
        meta.validate(secret.getMetadata(), old == null ? null : old.getMetadata()));
    long size = 0;
    FieldPath data = FieldPath.of("data");
    for (var e : secret.getDataMap().entrySet()) {
      NameSyntax.configKey(e.getKey()).ifPresent(why -> errors.add(data.invalid(e.getKey(), why)));
      size += e.getKey().length() + e.getValue().size();
    }
    FieldPath stringData = FieldPath.of("stringData");
    for (var e : secret.getStringDataMap().entrySet()) {
      NameSyntax.configKey(e.getKey()).ifPresent(why -> errors.add(stringData.invalid(e.getKey(), why)));
      if (!secret.containsData(e.getKey())) {
        size += e.getKey().length() + e.getValue().getBytes(StandardCharsets.UTF_8).length;
      }
    }
    if (size > MAX_BYTES) {
      errors.add(data.error("too long: the data of a Secret must have at most " + MAX_BYTES + " bytes"));
    }
    if (secret.getType().length() > 253) {
      errors.add(FieldPath.of("type").error("must be no more than 253 characters"));
    }
    if (old != null) {
      if (!secret.getType().equals(old.getType())) {
        errors.add(FieldPath.of("type").error("field is immutable"));
      }
      if (old.hasImmutable() && old.getImmutable()) {
        if (!secret.hasImmutable() || !secret.getImmutable()) {
          errors.add(FieldPath.of("immutable").error("field is immutable when `immutable` is set"));
        }
        if (!secret.getDataMap().equals(old.getDataMap())) {
          errors.add(data.error("field is immutable when `immutable` is set"));
        }
      }
    }
    return errors;
  }
}
