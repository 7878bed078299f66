package dev.capstan.cli.commands;

import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;

/** {@code capstan version}. */
@Command(name = "version", description = "Print the client version.")
public final class VersionCommand implements Runnable {
  public static final String VERSION = "0.1.0";

  @Override
  public void run() {
    System.out.println("capstan " + VERSION);
  }

  /** For {@code capstan --version}. */
  public static final class Provider implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"capstan " + VERSION};
    }
  }
}
