package dev.capstan.cli.commands;

import dev.capstan.api.core.v1.TokenRequest;
import dev.capstan.api.core.v1.TokenRequestSpec;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.client.CapstanClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code capstan create token SERVICEACCOUNT [-n NS] [--duration 1h] [--audience A]...}: prints a
 * token the cluster signed for the ServiceAccount (ServiceAccounts.CreateToken), as
 * {@code kubectl create token} does.
 */
@Command(name = "token", description = "Print a signed token for a ServiceAccount.")
public final class CreateTokenCommand implements Callable<Integer> {
  private static final Pattern DURATION = Pattern.compile("(\\d+)(h|m|s)");

  @Mixin ClientOptions client;

  @Parameters(paramLabel = "SERVICEACCOUNT", description = "the ServiceAccount's name")
  String name;

  @Option(names = "--duration", description = "how long the token is valid, e.g. 10m, 1h, 1h30m (default: 1h;"
      + " at least 10m)")
  String duration;

  @Option(names = "--audience", description = "an audience of the token (repeatable; default: the Capstan API)")
  List<String> audiences = new ArrayList<>();

  @Override
  public Integer call() {
    TokenRequestSpec.Builder spec = TokenRequestSpec.newBuilder().addAllAudiences(audiences);
    if (duration != null) {
      spec.setExpirationSeconds(parseDuration(duration).toSeconds());
    }
    try (CapstanClient c = client.connect()) {
      TokenRequest reply = c.serviceAccounts().call("CreateToken", TokenRequest.newBuilder()
          .setMetadata(ObjectMeta.newBuilder().setNamespace(client.namespace()).setName(name)).setSpec(spec).build());
      System.out.println(reply.getStatus().getToken());
    }
    return 0;
  }

  /** A Go-style duration of hours, minutes and seconds: {@code 1h}, {@code 90m}, {@code 1h30m}, {@code 600s}. */
  static Duration parseDuration(String text) {
    Matcher m = DURATION.matcher(text);
    Duration d = Duration.ZERO;
    int end = 0;
    while (m.find() && m.start() == end) {
      long n = Long.parseLong(m.group(1));
      d = d.plus(switch (m.group(2)) {
        case "h" -> Duration.ofHours(n);
        case "m" -> Duration.ofMinutes(n);
        default -> Duration.ofSeconds(n);
      });
      end = m.end();
    }
    if (end == 0 || end != text.length() || d.isZero()) {
      throw new CliException("--duration: invalid duration \"" + text + "\" (e.g. 10m, 1h, 1h30m)");
    }
    return d;
  }
}
