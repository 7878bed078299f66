package dev.capstan.apiserver.validation;

import dev.capstan.api.meta.v1.LabelSelector;
import dev.capstan.api.meta.v1.LabelSelectorRequirement;
import dev.capstan.client.selector.LabelSyntax;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a {@code LabelSelector} field as Kubernetes' ValidateLabelSelector does: matchLabels
 * are valid labels; each matchExpression has a valid key, a known operator, and values exactly
 * when the operator takes them (In, NotIn) and none otherwise (Exists, DoesNotExist).
 */
final class LabelSelectorValidator {
  private LabelSelectorValidator() {}

  static List<FieldError> validate(LabelSelector selector, FieldPath path) {
    List<FieldError> errors = new ArrayList<>(
        ObjectMetaValidator.labels(selector.getMatchLabelsMap(), path.child("matchLabels")));
    for (int i = 0; i < selector.getMatchExpressionsCount(); i++) {
      LabelSelectorRequirement expression = selector.getMatchExpressions(i);
      FieldPath at = path.child("matchExpressions").index(i);
      List<String> keyErrors = LabelSyntax.keyErrors(expression.getKey());
      if (!keyErrors.isEmpty()) {
        errors.add(at.child("key").invalid(expression.getKey(), keyErrors.get(0)));
      }
      switch (expression.getOperator()) {
        case "In", "NotIn" -> {
          if (expression.getValuesCount() == 0) {
            errors.add(at.child("values").error("must be specified when `operator` is 'In' or 'NotIn'"));
          }
        }
        case "Exists", "DoesNotExist" -> {
          if (expression.getValuesCount() > 0) {
            errors.add(at.child("values").error("may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
          }
        }
        default -> errors.add(at.child("operator")
            .unsupported(expression.getOperator(), "In", "NotIn", "Exists", "DoesNotExist"));
      }
      for (int j = 0; j < expression.getValuesCount(); j++) {
        String value = expression.getValues(j);
        List<String> valueErrors = LabelSyntax.valueErrors(value);
        if (!valueErrors.isEmpty()) {
          errors.add(at.child("values").index(j).invalid(value, valueErrors.get(0)));
        }
      }
    }
    return errors;
  }
}
