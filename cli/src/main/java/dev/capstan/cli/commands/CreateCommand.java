package dev.capstan.cli.commands;

import picocli.CommandLine.Command;

/** {@code capstan create token ...}: things the API makes rather than stores. */
@Command(name = "create", description = "Create a token for a ServiceAccount.", subcommands = CreateTokenCommand.class)
public final class CreateCommand implements Runnable {
  @Override
  public void run() {
    throw new CliException("create needs what to create, e.g. `capstan create token SERVICEACCOUNT`");
  }
}
