package dev.capstan.cli.commands;

import com.google.protobuf.Message;
import dev.capstan.api.meta.v1.DeleteCollectionRequest;
import dev.capstan.api.meta.v1.DeleteRequest;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.Kind;
import dev.capstan.client.Kinds;
import dev.capstan.client.manifest.ManifestCodec;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code capstan delete KIND NAME... | -f FILE | KIND -l SELECTOR | KIND --all}. Selectors and
 * {@code --all} delete through the server's DeleteCollection, in the namespace. Like kubectl it
 * waits until the objects are gone (pods first stop their containers), unless {@code --wait=false}.
 */
@Command(name = "delete", description = "Delete objects by kind and name, or those of a manifest.")
public final class DeleteCommand implements Callable<Integer> {
  @Mixin ClientOptions client;

  @Parameters(paramLabel = "KIND NAME...", description = "a kind and one or more names (only a kind with -l or --all)")
  List<String> args = new ArrayList<>();

  @Option(names = {"-f", "--filename"}, description = "delete the objects of this manifest (- for standard input)")
  String file;

  @Option(names = {"-l", "--selector"}, description = "delete the objects of KIND with these labels, e.g. app=web")
  String selector;

  @Option(names = "--field-selector", description = "delete the objects of KIND whose fields match, e.g."
      + " status.phase=Failed")
  String fieldSelector;

  @Option(names = "--all", description = "delete every object of KIND in the namespace")
  boolean all;

  @Option(names = "--cascade", description = "background (default: the garbage collector deletes dependents),"
      + " foreground (dependents are deleted first, the object waits for them) or orphan (dependents are kept)")
  String cascade = "background";

  @Option(names = "--grace-period", description = "seconds a pod gets to stop (default: the pod's own)")
  Long gracePeriod;

  @Option(names = "--wait", arity = "1", description = "wait until the objects are gone (default: true)")
  boolean wait = true;

  @Option(names = "--timeout", description = "how long to wait, e.g. 60s (default: 2m)")
  String timeout = "120s";

  private record Target(Kind<? extends Message> kind, String namespace, String name) {}

  @Override
  public Integer call() throws IOException {
    String policy = switch (cascade) {
      case "background", "true" -> "Background";
      case "orphan", "false" -> "Orphan";
      case "foreground" -> "Foreground";
      default -> throw new CliException("--cascade: must be background, orphan or foreground, got \"" + cascade
          + "\"");
    };
    boolean collection = selector != null || fieldSelector != null || all;
    if (collection) {
      return deleteCollection(policy);
    }
    List<Target> targets = new ArrayList<>();
    if (file != null) {
      if (!args.isEmpty()) {
        throw new CliException("delete takes either -f FILE or KIND NAME..., not both");
      }
      for (Message m : ApplyCommand.readManifest(new ManifestCodec(), file)) {
        Kind<? extends Message> k = Kinds.of(m.getClass());
        var meta = k.metadata(m);
        targets.add(new Target(k, k.namespaced() && meta.getNamespace().isEmpty() ? client.namespace()
            : meta.getNamespace(), meta.getName()));
      }
    } else {
      if (args.size() < 2) {
        throw new CliException("delete needs a kind and at least one name, e.g. `capstan delete pod web-1`,"
            + " or a kind and -l SELECTOR or --all");
      }
      Kind<? extends Message> k = ResourceNames.kind(args.get(0));
      for (String name : args.subList(1, args.size())) {
        targets.add(new Target(k, k.namespaced() ? client.namespace() : "", name));
      }
    }
    int failures = 0;
    List<Target> deleted = new ArrayList<>();
    try (CapstanClient c = client.connect()) {
      for (Target t : targets) {
        DeleteRequest.Builder req = DeleteRequest.newBuilder().setNamespace(t.namespace()).setName(t.name())
            .setPropagationPolicy(policy);
        if (gracePeriod != null) {
          req.setGracePeriodSeconds(gracePeriod);
        }
        try {
          c.resource(t.kind()).delete(req.build());
          System.out.println(t.kind().kind().toLowerCase() + " \"" + t.name() + "\" deleted");
          deleted.add(t);
        } catch (StatusRuntimeException e) {
          System.err.println(ErrorReport.describe(e, client.serverAddress()));
          failures++;
        }
      }
      failures += waitAllGone(c, deleted);
    }
    return failures == 0 ? 0 : 1;
  }

  /** KIND -l SELECTOR | --field-selector ... | --all: one DeleteCollection in the namespace. */
  private int deleteCollection(String policy) {
    if (file != null) {
      throw new CliException("delete takes either -f FILE or KIND with -l/--field-selector/--all, not both");
    }
    if (args.size() != 1) {
      throw new CliException(args.isEmpty()
          ? "delete with -l, --field-selector or --all needs a kind, e.g. `capstan delete pods -l app=web`"
          : "delete takes names or -l/--field-selector/--all, not both");
    }
    if (all && (selector != null || fieldSelector != null)) {
      throw new CliException("--all cannot be combined with -l or --field-selector");
    }
    Kind<? extends Message> k = ResourceNames.kind(args.get(0));
    DeleteCollectionRequest.Builder req = DeleteCollectionRequest.newBuilder()
        .setNamespace(k.namespaced() ? client.namespace() : "")
        .setLabelSelector(selector == null ? "" : selector)
        .setFieldSelector(fieldSelector == null ? "" : fieldSelector)
        .setPropagationPolicy(policy);
    if (gracePeriod != null) {
      req.setGracePeriodSeconds(gracePeriod);
    }
    try (CapstanClient c = client.connect()) {
      List<? extends Message> objects = c.resource(k).deleteCollection(req.build());
      List<Target> deleted = new ArrayList<>();
      for (Message m : objects) {
        var meta = k.metadata(m);
        System.out.println(k.kind().toLowerCase() + " \"" + meta.getName() + "\" deleted");
        deleted.add(new Target(k, meta.getNamespace(), meta.getName()));
      }
      if (objects.isEmpty()) {
        System.out.println("No resources found");
      }
      return waitAllGone(c, deleted) == 0 ? 0 : 1;
    }
  }

  /** Waits, when asked to, for each object to be gone; the number that were not in time. */
  private int waitAllGone(CapstanClient c, List<Target> deleted) {
    if (!wait) {
      return 0;
    }
    int failures = 0;
    Instant deadline = Instant.now().plus(parseDuration(timeout));
    for (Target t : deleted) {
      if (!waitGone(c, t, deadline)) {
        System.err.println("error: timed out waiting for " + ResourceNames.qualified(t.kind(), t.name())
            + " to be deleted");
        failures++;
      }
    }
    return failures;
  }

  private static boolean waitGone(CapstanClient c, Target t, Instant deadline) {
    while (Instant.now().isBefore(deadline)) {
      try {
        c.resource(t.kind()).get(t.namespace(), t.name());
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
          return true;
        }
        throw e;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  static Duration parseDuration(String text) {
    return DurationFlag.parse("--timeout", text);
  }
}
