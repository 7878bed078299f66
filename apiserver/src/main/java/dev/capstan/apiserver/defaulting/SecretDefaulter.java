package dev.capstan.apiserver.defaulting;

import com.google.protobuf.ByteString;
import dev.capstan.api.core.v1.Secret;

/**
 * Kubernetes' Secret write path: stringData is merged into data (a stringData value wins over a
 * data value of the same key) and dropped, so it is never stored or returned; an empty type
 * becomes {@code Opaque}.
 */
final class SecretDefaulter implements Defaulter<Secret> {
  static final String OPAQUE = "Opaque";

  @Override
  public Secret applyDefaults(Secret secret) {
    if (secret.getStringDataCount() == 0 && !secret.getType().isEmpty()) {
      return secret;
    }
    Secret.Builder b = secret.toBuilder();
    secret.getStringDataMap().forEach((k, v) -> b.putData(k, ByteString.copyFromUtf8(v)));
    b.clearStringData();
    if (b.getType().isEmpty()) {
      b.setType(OPAQUE);
    }
    return b.build();
  }
}
