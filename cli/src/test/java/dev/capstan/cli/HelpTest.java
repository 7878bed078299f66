package dev.capstan.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command, at every depth, answers {@code --help} with its usage, whatever it requires. */
class HelpTest {

  @Test
  void everyCommandPrintsItsUsageForHelp() {
    List<List<String>> paths = new ArrayList<>();
    collect(new CommandLine(new Capstan()), new ArrayList<>(), paths);
    assertThat(paths).hasSizeGreaterThan(20);
    for (List<String> path : paths) {
      List<String> args = new ArrayList<>(path);
      args.add("--help");
      CliRun run = CliRun.of(args.toArray(String[]::new));
      assertThat(run.exitCode()).as("capstan %s --help: %s", String.join(" ", path), run.err()).isZero();
      assertThat(run.out()).as("capstan %s --help", String.join(" ", path))
          .startsWith(("Usage: capstan " + String.join(" ", path)).strip());
    }
  }

  private static void collect(CommandLine command, List<String> path, List<List<String>> out) {
    out.add(List.copyOf(path));
    command.getSubcommands().forEach((name, sub) -> {
      if (!name.equals(sub.getCommandName())) {
        return;  // an alias: the command is visited under its name
      }
      List<String> next = new ArrayList<>(path);
      next.add(name);
      collect(sub, next, out);
    });
  }
}
