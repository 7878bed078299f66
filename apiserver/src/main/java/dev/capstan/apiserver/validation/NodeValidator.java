package dev.capstan.apiserver.validation;

import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.Taint;
import dev.capstan.client.selector.LabelSyntax;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Validates Nodes: metadata, and taints that the scheduler and the node lifecycle controller can
 * rely on (a qualified key, a label value, a known effect, no key and effect twice).
 */
final class NodeValidator implements Validator<Node> {
  private final ObjectMetaValidator meta = ObjectMetaValidator.subdomainNames(false);

  @Override
  public List<FieldError> validate(Node node, Node old) {
    List<FieldError> errors = new ArrayList<>(meta.validate(node.getMetadata(), old == null ? null : old.getMetadata()));
    FieldPath taints = FieldPath.of("spec").child("taints");
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < node.getSpec().getTaintsCount(); i++) {
      Taint taint = node.getSpec().getTaints(i);
      FieldPath at = taints.index(i);
      if (taint.getKey().isEmpty()) {
        errors.add(at.child("key").required());
      } else {
        List<String> why = LabelSyntax.keyErrors(taint.getKey());
        if (!why.isEmpty()) {
          errors.add(at.child("key").invalid(taint.getKey(), why.get(0)));
        }
      }
      List<String> valueWhy = LabelSyntax.valueErrors(taint.getValue());
      if (!valueWhy.isEmpty()) {
        errors.add(at.child("value").invalid(taint.getValue(), valueWhy.get(0)));
      }
      if (taint.getEffect().isEmpty()) {
        errors.add(at.child("effect").required());
      } else if (!List.of("NoSchedule", "PreferNoSchedule", "NoExecute").contains(taint.getEffect())) {
        errors.add(at.child("effect").unsupported(taint.getEffect(), "NoSchedule", "PreferNoSchedule", "NoExecute"));
      }
      if (!seen.add(taint.getKey() + ":" + taint.getEffect())) {
        errors.add(at.error("taints must be unique by key and effect pair"));
      }
    }
    return errors;
  }
}
