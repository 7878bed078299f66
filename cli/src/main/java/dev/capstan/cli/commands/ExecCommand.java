package dev.capstan.cli.commands;

import dev.capstan.api.core.v1.PodExecRequest;
import dev.capstan.api.core.v1.PodExecResponse;
import dev.capstan.api.core.v1.PodsGrpc;
import dev.capstan.client.CapstanClient;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code capstan exec POD [-c C] [--timeout S] -- CMD [ARG...]}: runs the command in a running
 * container (no stdin, no terminal), prints its output, and exits with its exit code.
 */
@Command(name = "exec", description = "Run a command in a container of a pod and exit with its exit code.")
public final class ExecCommand implements Callable<Integer> {
  @Mixin ClientOptions client;

  @Parameters(index = "0", paramLabel = "POD")
  String pod;

  @Parameters(index = "1..*", paramLabel = "CMD", description = "the command and its arguments (after --)")
  List<String> command;

  @Option(names = {"-c", "--container"}, description = "container name (default: the pod's first)")
  String container = "";

  @Option(names = "--timeout", description = "seconds the command may run before it is killed (default 60)")
  int timeoutSeconds;

  @Override
  public Integer call() throws IOException {
    if (command == null || command.isEmpty()) {
      throw new CliException("exec: a command is required: capstan exec POD -- CMD [ARG...]");
    }
    if (timeoutSeconds < 0) {
      throw new CliException("--timeout: must be >= 0, got " + timeoutSeconds);
    }
    String podName = pod.startsWith("pod/") ? pod.substring(4) : pod;
    try (CapstanClient c = client.connect()) {
      PodExecResponse r = PodsGrpc.newBlockingStub(c.channel()).exec(PodExecRequest.newBuilder()
          .setNamespace(client.namespace()).setName(podName).setContainer(container).addAllCommand(command)
          .setTimeoutSeconds(timeoutSeconds).build());
      r.getStdout().writeTo(System.out);
      System.out.flush();
      r.getStderr().writeTo(System.err);
      System.err.flush();
      return r.getExitCode();
    }
  }
}
