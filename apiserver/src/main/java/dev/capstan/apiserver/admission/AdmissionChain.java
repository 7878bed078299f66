package dev.capstan.apiserver.admission;

import com.google.protobuf.Message;
import dev.capstan.apiserver.registry.Admission;
import dev.capstan.client.Kind;
import java.util.List;

/**
 * Several admission plugins as one, in order: every plugin mutates before any validates, as in
 * Kubernetes, so validating plugins (the quota) see the object as it will be stored.
 */
public final class AdmissionChain implements Admission {
  private final List<Admission> plugins;

  public AdmissionChain(List<Admission> plugins) {
    this.plugins = List.copyOf(plugins);
  }

  @Override
  public <T extends Message> T mutate(Kind<T> kind, T object) {
    T result = object;
    for (Admission a : plugins) {
      result = a.mutate(kind, result);
    }
    return result;
  }

  @Override
  public <T extends Message> void admit(Kind<T> kind, T object) {
    for (Admission a : plugins) {
      a.admit(kind, object);
    }
  }

  @Override
  public void admitDelete(Kind<?> kind, String namespace, String name) {
    for (Admission a : plugins) {
      a.admitDelete(kind, namespace, name);
    }
  }

  @Override
  public <T extends Message> void admitUpdate(Kind<T> kind, T updated, T old) {
    for (Admission a : plugins) {
      a.admitUpdate(kind, updated, old);
    }
  }
}
