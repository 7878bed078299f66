package dev.capstan.apiserver.audit;

/** A policy file that cannot be used; the message starts with the path of the bad field, e.g. {@code rules[2].level}. */
public final class AuditPolicyException extends IllegalArgumentException {
  AuditPolicyException(String field, String message) {
    super(field.isEmpty() ? message : field + ": " + message);
  }
}
