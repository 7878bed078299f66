package dev.capstan.apiserver.validation;

/**
 * One validation error, Kubernetes style: the path of the offending field in the object's JSON
 * form ({@code spec.template.spec.containers[0].image}) and what is wrong with it ({@code required}).
 */
public record FieldError(String path, String message) {
  @Override
  public String toString() {
    return path + ": " + message;
  }
}
