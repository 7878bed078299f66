package dev.capstan.cli.commands;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.capstan.api.meta.v1.PatchRequest;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code capstan patch KIND NAME -p '{"spec":{"replicas":3}}'} (also {@code KIND/NAME}): a JSON
 * merge patch (RFC 7386) applied by the server, as {@code kubectl patch --type merge}. null removes
 * a field, objects merge, lists are replaced.
 */
@Command(name = "patch", description = "Change fields of an object with a JSON merge patch.")
public final class PatchCommand implements Callable<Integer> {
  @Mixin ClientOptions client;

  @Parameters(paramLabel = "KIND NAME | KIND/NAME")
  List<String> args = new ArrayList<>();

  @Option(names = {"-p", "--patch"}, required = true, description = "the patch, JSON, e.g. '{\"spec\":{\"replicas\":3}}'")
  String patch;

  @Option(names = "--type", description = "the patch type: merge (the only one served)")
  String type = "merge";

  @Override
  public Integer call() {
    ResourceNames.Target target = ResourceNames.target(args,
        "patch needs a kind and a name, e.g. `capstan patch deployment web -p '{\"spec\":{\"replicas\":3}}'`");
    String name = target.name();
    if (!type.equals("merge")) {
      throw new CliException("--type: unsupported patch type \"" + type + "\": only merge (JSON merge patch) is"
          + " supported");
    }
    Kind<? extends Message> kind = target.kind();
    try (CapstanClient c = client.connect()) {
      c.resource(kind).patch(PatchRequest.newBuilder().setNamespace(kind.namespaced() ? client.namespace() : "")
          .setName(name).setType(type).setPatch(ByteString.copyFromUtf8(patch)).build());
    }
    System.out.println(ResourceNames.qualified(kind, name) + " patched");
    return 0;
  }
}
