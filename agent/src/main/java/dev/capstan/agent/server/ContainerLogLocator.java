package dev.capstan.agent.server;

/** Finds the log file a log request is about. */
@FunctionalInterface
public interface ContainerLogLocator {

  /**
   * @param container the container's name; empty for the pod's default container
   * @param previous the attempt before the current one
   * @throws io.grpc.StatusRuntimeException NOT_FOUND naming the pod or container that is missing
   */
  ContainerLog find(String namespace, String pod, String container, boolean previous);
}
