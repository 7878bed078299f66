package dev.capstan.cli.commands;

import com.google.protobuf.Message;
import dev.capstan.client.Kind;
import dev.capstan.client.Kinds;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** How the CLI names kinds and objects in its messages: "deployment.apps/web". */
final class ResourceNames {
  private ResourceNames() {}

  static Kind<? extends Message> kind(String userName) {
    return Kinds.byUserName(userName).orElseThrow(() -> new CliException("the server doesn't have a resource type \""
        + userName + "\" (known: " + Kinds.all().stream().map(Kind::resource).collect(Collectors.joining(", ")) + ")"));
  }

  /** A KIND and NAME given as two arguments or as KIND/NAME. */
  record Target(Kind<? extends Message> kind, String name) {}

  /**
   * The object {@code args} name, as {@code KIND NAME} or {@code KIND/NAME}.
   *
   * @param usage what to say when they name none, e.g. "scale needs a kind and a name, e.g. ..."
   */
  static Target target(List<String> args, String usage) {
    if (args.size() == 1 && args.get(0).contains("/")) {
      String arg = args.get(0);
      return new Target(kind(arg.substring(0, arg.indexOf('/'))), arg.substring(arg.indexOf('/') + 1));
    }
    if (args.size() == 2) {
      return new Target(kind(args.get(0)), args.get(1));
    }
    throw new CliException(usage);
  }

  static String qualified(Kind<?> kind, String name) {
    String k = kind.kind().toLowerCase(Locale.ROOT);
    return (kind.group().isEmpty() ? k : k + "." + kind.group()) + "/" + name;
  }
}
