package dev.capstan.cli;

import dev.capstan.cli.commands.AgentCommand;
import dev.capstan.cli.commands.ApplyCommand;
import dev.capstan.cli.commands.CertificateCommand;
import dev.capstan.cli.commands.CliException;
import dev.capstan.cli.commands.CreateCommand;
import dev.capstan.cli.commands.DeleteCommand;
import dev.capstan.cli.commands.GetCommand;
import dev.capstan.cli.commands.ImageCommand;
import dev.capstan.cli.commands.ExecCommand;
import dev.capstan.cli.commands.LogsCommand;
import dev.capstan.cli.commands.PatchCommand;
import dev.capstan.cli.commands.ScaleCommand;
import dev.capstan.cli.commands.TopCommand;
import dev.capstan.cli.commands.ServerCommand;
import dev.capstan.cli.commands.StoreCommand;
import dev.capstan.cli.commands.UpCommand;
import dev.capstan.cli.commands.VersionCommand;
import dev.capstan.client.manifest.ManifestException;
import io.grpc.StatusRuntimeException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The one {@code capstan} binary: user commands and the daemons. */
@Command(name = "capstan", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT,
    versionProvider = VersionCommand.Provider.class,
    description = "Capstan: a Kubernetes-style container orchestrator.",
    subcommands = {UpCommand.class, ServerCommand.class, StoreCommand.class, AgentCommand.class, ApplyCommand.class, GetCommand.class,
        CreateCommand.class, DeleteCommand.class, PatchCommand.class, LogsCommand.class, ExecCommand.class, ScaleCommand.class,
        TopCommand.class, ImageCommand.class, CertificateCommand.class, VersionCommand.class})
public final class Capstan {

  public static void main(String[] args) {
    System.exit(run(args));
  }

  public static int run(String... args) {
    CommandLine cl = new CommandLine(new Capstan());
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof StatusRuntimeException s) {
        System.err.println(dev.capstan.cli.commands.ErrorReport.describe(s, null));
      } else if (e instanceof CliException || e instanceof ManifestException
          || e instanceof IllegalArgumentException || e instanceof java.io.UncheckedIOException) {
        System.err.println("error: " + e.getMessage());
      } else {
        throw e;
      }
      return 1;
    });
    return cl.execute(args);
  }
}
