package dev.capstan.apiserver.validation;

import dev.capstan.api.coordination.v1.Lease;
import java.util.ArrayList;
import java.util.List;

/** Validates Leases: a duration, when set, is positive; transitions are not negative. */
final class LeaseValidator implements Validator<Lease> {
  private final ObjectMetaValidator meta = ObjectMetaValidator.subdomainNames(true);

  @Override
  public List<FieldError> validate(Lease lease, Lease old) {
    List<FieldError> errors = new ArrayList<>(meta.validate(lease.getMetadata(), old == null ? null : old.getMetadata()));
    FieldPath spec = FieldPath.of("spec");
    if (lease.getSpec().hasLeaseDurationSeconds() && lease.getSpec().getLeaseDurationSeconds() <= 0) {
      errors.add(spec.child("leaseDurationSeconds").error("must be greater than 0"));
    }
    if (lease.getSpec().hasLeaseTransitions() && lease.getSpec().getLeaseTransitions() < 0) {
      errors.add(spec.child("leaseTransitions").error("must be greater than or equal to 0"));
    }
    return errors;
  }
}
