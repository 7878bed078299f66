package dev.capstan.agent.server;

import dev.capstan.agent.pod.PodRuntimeState;
import dev.capstan.agent.runtime.ContainerRuntime;
import dev.capstan.agent.runtime.ContainerRuntimeException;
import dev.capstan.agent.runtime.ContainerState;
import dev.capstan.agent.runtime.ExecResult;
import dev.capstan.agent.runtime.RuntimeContainer;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodExecRequest;
import dev.capstan.api.core.v1.PodExecResponse;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import java.time.Duration;

/**
 * pods/exec on this node: runs a command in a running container of one of its pods and answers
 * with its exit code and output. Who may is decided before: the apiserver authorizes the caller
 * (RBAC on pods/exec) and the agent's port serves only the apiserver ({@link AgentTls}).
 */
public final class PodExec {
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  private final RuntimeContainerLogs.PodLookup pods;
  private final ContainerRuntime runtime;

  public PodExec(RuntimeContainerLogs.PodLookup pods, ContainerRuntime runtime) {
    this.pods = pods;
    this.runtime = runtime;
  }

  PodExecResponse exec(PodExecRequest request) {
    if (request.getName().isEmpty()) {
      throw Status.INVALID_ARGUMENT.withDescription("name: Required value").asRuntimeException();
    }
    if (request.getCommandCount() == 0) {
      throw Status.INVALID_ARGUMENT.withDescription("command: Required value: the command to run").asRuntimeException();
    }
    String namespace = request.getNamespace().isEmpty() ? "default" : request.getNamespace();
    Pod pod = pods.find(namespace, request.getName()).orElseThrow(() -> Status.NOT_FOUND.withDescription(
        "pod \"" + request.getName() + "\" not found in namespace \"" + namespace + "\" on this node").asRuntimeException());
    String container = RuntimeContainerLogs.containerName(pod, request.getContainer());
    RuntimeContainer running = PodRuntimeState.read(runtime, pod.getMetadata().getUid()).latest(container)
        .filter(c -> c.state() == ContainerState.RUNNING)
        .orElseThrow(() -> Status.FAILED_PRECONDITION.withDescription("container \"" + container + "\" in pod \""
            + request.getName() + "\" is not running: cannot exec").asRuntimeException());
    Duration timeout = request.getTimeoutSeconds() > 0 ? Duration.ofSeconds(request.getTimeoutSeconds()) : DEFAULT_TIMEOUT;
    ExecResult result;
    try {
      result = runtime.execSync(running.id(), request.getCommandList(), timeout);
    } catch (ContainerRuntimeException e) {
      throw Status.FAILED_PRECONDITION.withDescription("exec in container \"" + container + "\" of pod \""
          + request.getName() + "\": " + e.getMessage()).asRuntimeException();
    }
    return PodExecResponse.newBuilder().setExitCode(result.exitCode())
        .setStdout(ByteString.copyFrom(result.stdout())).setStderr(ByteString.copyFrom(result.stderr())).build();
  }
}
