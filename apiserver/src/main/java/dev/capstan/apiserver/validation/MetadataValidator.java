package dev.capstan.apiserver.validation;

import com.google.protobuf.Message;
import dev.capstan.client.Kind;
import java.util.List;

/** The validator of kinds without rules of their own: metadata checks only. */
final class MetadataValidator<T extends Message> implements Validator<T> {
  private final Kind<T> kind;
  private final ObjectMetaValidator meta;

  MetadataValidator(Kind<T> kind, ObjectMetaValidator meta) {
    this.kind = kind;
    this.meta = meta;
  }

  @Override
  public List<FieldError> validate(T object, T old) {
    return meta.validate(kind.metadata(object), old == null ? null : kind.metadata(old));
  }
}
