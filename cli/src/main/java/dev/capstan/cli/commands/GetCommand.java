package dev.capstan.cli.commands;

import com.google.protobuf.Message;
import dev.capstan.api.meta.v1.ListRequest;
import dev.capstan.cli.output.ResourceTables;
import dev.capstan.cli.output.Table;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.Kind;
import dev.capstan.client.ResourceClient;
import dev.capstan.client.manifest.ManifestCodec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code capstan get KIND [NAME...] [-o wide|yaml|json|name] [-l selector] [-n ns | -A]}. */
@Command(name = "get", description = "Display one or many objects.")
public final class GetCommand implements Callable<Integer> {
  @Mixin ClientOptions client;

  @Parameters(index = "0", paramLabel = "KIND", description = "pods, deployments, replicasets, daemonsets (ds),"
      + " statefulsets (sts), nodes, namespaces, configmaps, secrets, events, leases, roles, rolebindings,"
      + " clusterroles, clusterrolebindings")
  String kindName;

  @Parameters(index = "1..*", paramLabel = "NAME", description = "object names (default: all)")
  List<String> names = new ArrayList<>();

  @Option(names = {"-o", "--output"}, description = "wide, yaml, json or name")
  String output = "";

  @Option(names = {"-l", "--selector"}, description = "label selector, e.g. app=web,tier!=db")
  String selector = "";

  @Option(names = "--field-selector", description = "field selector, e.g. spec.nodeName=n1,status.phase=Running")
  String fieldSelector = "";

  @Option(names = {"-A", "--all-namespaces"}, description = "list across all namespaces")
  boolean allNamespaces;

  @Override
  public Integer call() {
    if (!List.of("", "wide", "yaml", "json", "name").contains(output)) {
      throw new CliException("--output: unsupported format \"" + output + "\" (use wide, yaml, json or name)");
    }
    Kind<? extends Message> kind = ResourceNames.kind(kindName);
    try (CapstanClient c = client.connect()) {
      return print(c, kind);
    }
  }

  private <T extends Message> int print(CapstanClient c, Kind<T> kind) {
    ResourceClient<T> rc = c.resource(kind);
    String namespace = kind.namespaced() && !allNamespaces ? client.namespace() : "";
    List<T> objects = new ArrayList<>();
    if (names.isEmpty()) {
      objects.addAll(rc.list(ListRequest.newBuilder().setNamespace(namespace).setLabelSelector(selector)
          .setFieldSelector(fieldSelector).build()).items());
      objects.sort(Comparator.comparing((T o) -> kind.metadata(o).getNamespace())
          .thenComparing(o -> kind.metadata(o).getName()));
    } else {
      for (String name : names) {
        objects.add(rc.get(namespace, name));
      }
    }
    ManifestCodec codec = new ManifestCodec();
    boolean single = names.size() == 1;
    switch (output) {
      case "yaml" -> System.out.print(single ? codec.toYaml(objects.get(0)) : codec.toYaml(objects));
      case "json" -> System.out.println(single ? codec.toJson(objects.get(0)) : codec.toJson(asList(objects)));
      case "name" -> objects.forEach(o -> System.out.println(ResourceNames.qualified(kind, kind.metadata(o).getName())));
      default -> {
        if (objects.isEmpty()) {
          System.err.println(namespace.isEmpty() ? "No resources found"
              : "No resources found in " + namespace + " namespace.");
          return 0;
        }
        Table t = new ResourceTables(Instant.now(), output.equals("wide"), allNamespaces).table(kind, objects);
        t.print(System.out);
      }
    }
    return 0;
  }

  /** A list as one JSON document, as kubectl prints {@code kind: List}. */
  private static Message asList(List<? extends Message> objects) {
    if (objects.isEmpty()) {
      return com.google.protobuf.Empty.getDefaultInstance();
    }
    Kind<? extends Message> kind = dev.capstan.client.Kinds.of(objects.get(0).getClass());
    Message.Builder b = kind.listDefault().newBuilderForType();
    var items = b.getDescriptorForType().findFieldByName("items");
    objects.forEach(o -> b.addRepeatedField(items, o));
    return b.build();
  }
}
