package dev.capstan.apiserver.validation;

import dev.capstan.api.core.v1.ResourceQuota;
import dev.capstan.client.quantity.Quantity;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Validates ResourceQuotas: every name in spec.hard, status.hard and status.used is a resource
 * name ({@code pods}, {@code requests.cpu}, {@code count/deployments.apps}) and every amount a
 * quantity that is not negative.
 */
final class ResourceQuotaValidator implements Validator<ResourceQuota> {
  /** A qualified name, optionally prefixed "count/", "requests." or "limits." as Kubernetes writes them. */
  private static final Pattern RESOURCE_NAME = Pattern.compile("(count/)?[a-z0-9]([-a-z0-9./]*[a-z0-9])?");
  private final ObjectMetaValidator meta = ObjectMetaValidator.subdomainNames(true);

  @Override
  public List<FieldError> validate(ResourceQuota quota, ResourceQuota old) {
    List<FieldError> errors = new ArrayList<>(meta.validate(quota.getMetadata(), old == null ? null : old.getMetadata()));
    amounts(quota.getSpec().getHardMap(), FieldPath.of("spec").child("hard"), errors);
    amounts(quota.getStatus().getHardMap(), FieldPath.of("status").child("hard"), errors);
    amounts(quota.getStatus().getUsedMap(), FieldPath.of("status").child("used"), errors);
    return errors;
  }

  private static void amounts(Map<String, String> amounts, FieldPath at, List<FieldError> errors) {
    amounts.forEach((name, text) -> {
      FieldPath field = at.key(name);
      if (!RESOURCE_NAME.matcher(name).matches() || name.length() > 253) {
        errors.add(field.invalid(name, "must be a resource name such as \"pods\", \"requests.cpu\" or"
            + " \"count/deployments.apps\""));
        return;
      }
      try {
        if (Quantity.parse(text).signum() < 0) {
          errors.add(field.invalid(text, "must be greater than or equal to 0"));
        }
      } catch (IllegalArgumentException e) {
        errors.add(field.invalid(text, e.getMessage()));
      }
    });
  }
}
