package dev.capstan.cli.commands;

/** A user error the CLI reports as "error: ..." with exit code 1, without a stack trace. */
public final class CliException extends RuntimeException {
  public CliException(String message) {
    super(message);
  }
}
