package dev.capstan.agent.runtime;

/** What a command run in a container by {@link ContainerRuntime#execSync} ended with. */
public record ExecResult(int exitCode, byte[] stdout, byte[] stderr) {

  /** The exit code a command that ran past its timeout reports (as a shell's timeout does). */
  public static final int TIMED_OUT = 124;
}
