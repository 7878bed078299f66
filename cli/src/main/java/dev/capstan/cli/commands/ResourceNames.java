package dev.capstan.cli.commands;

import com.google.protobuf.Message;
import dev.capstan.client.Kind;
import dev.capstan.client.Kinds;
import java.util.Locale;
import java.util.stream.Collectors;

/** How the CLI names kinds and objects in its messages: "deployment.apps/web". */
final class ResourceNames {
  private ResourceNames() {}

  static Kind<? extends Message> kind(String userName) {
    return Kinds.byUserName(userName).orElseThrow(() -> new CliException("the server doesn't have a resource type \""
        + userName + "\" (known: " + Kinds.all().stream().map(Kind::resource).collect(Collectors.joining(", ")) + ")"));
  }

  static String qualified(Kind<?> kind, String name) {
    String k = kind.kind().toLowerCase(Locale.ROOT);
    return (kind.group().isEmpty() ? k : k + "." + kind.group()) + "/" + name;
  }
}
