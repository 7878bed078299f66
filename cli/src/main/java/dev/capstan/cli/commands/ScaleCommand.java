package dev.capstan.cli.commands;

import com.google.protobuf.Message;
import dev.capstan.api.apps.v1.ReplicaSet;
import dev.capstan.api.apps.v1.Scale;
import dev.capstan.api.apps.v1.ScaleSpec;
import dev.capstan.api.apps.v1.StatefulSet;
import dev.capstan.api.meta.v1.GetRequest;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.Kind;
import dev.capstan.client.Kinds;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code capstan scale deployment NAME --replicas N} (also {@code deployment/NAME}, replicasets and
 * statefulsets).
 */
@Command(name = "scale", description = "Set the replica count of a deployment, replica set or stateful set.")
public final class ScaleCommand implements Callable<Integer> {
  @Mixin ClientOptions client;

  @Parameters(paramLabel = "KIND NAME | KIND/NAME")
  List<String> args = new ArrayList<>();

  @Option(names = "--replicas", required = true, description = "the new number of replicas")
  int replicas;

  @Override
  public Integer call() {
    if (replicas < 0) {
      throw new CliException("--replicas: must be greater than or equal to 0, got " + replicas);
    }
    ResourceNames.Target target = ResourceNames.target(args,
        "scale needs a kind and a name, e.g. `capstan scale deployment web --replicas 3`");
    String name = target.name();
    Kind<? extends Message> kind = target.kind();
    String ns = client.namespace();
    try (CapstanClient c = client.connect()) {
      if (kind == Kinds.DEPLOYMENT) {
        Scale current = c.deployments().call("GetScale", GetRequest.newBuilder().setNamespace(ns).setName(name).build());
        c.deployments().call("UpdateScale", Scale.newBuilder()
            .setMetadata(ObjectMeta.newBuilder().setNamespace(ns).setName(name)
                .setResourceVersion(current.getMetadata().getResourceVersion()))
            .setSpec(ScaleSpec.newBuilder().setReplicas(replicas)).build());
      } else if (kind == Kinds.REPLICA_SET) {
        ReplicaSet rs = c.replicaSets().get(ns, name);
        c.replicaSets().update(rs.toBuilder().setSpec(rs.getSpec().toBuilder().setReplicas(replicas)).build());
      } else if (kind == Kinds.STATEFUL_SET) {
        StatefulSet sts = c.statefulSets().get(ns, name);
        c.statefulSets().update(sts.toBuilder().setSpec(sts.getSpec().toBuilder().setReplicas(replicas)).build());
      } else {
        throw new CliException("cannot scale " + kind.resource()
            + ": only deployments, replicasets and statefulsets scale");
      }
    }
    System.out.println(ResourceNames.qualified(kind, name) + " scaled");
    return 0;
  }
}
