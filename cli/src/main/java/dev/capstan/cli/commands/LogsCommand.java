package dev.capstan.cli.commands;

import dev.capstan.api.core.v1.PodLogChunk;
import dev.capstan.api.core.v1.PodLogRequest;
import dev.capstan.api.core.v1.PodsGrpc;
import dev.capstan.client.CapstanClient;
import java.io.IOException;
import java.util.Iterator;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code capstan logs POD [-c C] [-f] [--previous] [--tail N]}: streamed from the node's agent. */
@Command(name = "logs", description = "Print the logs of a container in a pod.")
public final class LogsCommand implements Callable<Integer> {
  @Mixin ClientOptions client;

  @Parameters(index = "0", paramLabel = "POD")
  String pod;

  @Option(names = {"-c", "--container"}, description = "container name (default: the pod's first)")
  String container = "";

  @Option(names = {"-f", "--follow"}, description = "stream new lines until interrupted")
  boolean follow;

  @Option(names = {"-p", "--previous"}, description = "the previous instance of a restarted container")
  boolean previous;

  @Option(names = "--tail", description = "only the last N lines (-1: all)")
  long tail = -1;

  @Option(names = "--timestamps", description = "prefix each line with its timestamp")
  boolean timestamps;

  @Override
  public Integer call() throws IOException {
    String podName = pod.startsWith("pod/") ? pod.substring(4) : pod;
    PodLogRequest.Builder req = PodLogRequest.newBuilder().setNamespace(client.namespace()).setName(podName)
        .setContainer(container).setFollow(follow).setPrevious(previous).setTimestamps(timestamps);
    if (tail >= 0) {
      req.setTailLines(tail);
    }
    try (CapstanClient c = client.connect()) {
      Iterator<PodLogChunk> chunks = PodsGrpc.newBlockingStub(c.channel()).log(req.build());
      while (chunks.hasNext()) {
        chunks.next().getData().writeTo(System.out);
        System.out.flush();
      }
    }
    return 0;
  }
}
