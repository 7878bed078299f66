package dev.capstan.agent.node;

import dev.capstan.api.core.v1.Node;
import dev.capstan.client.ResourceClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts this node's status with a fresh heartbeat every period, and at once when asked
 * ({@link #reportNow()}, e.g. after a change). A failed post is retried at the next tick.
 */
public final class NodeStatusReporter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NodeStatusReporter.class);
  private static final int MAX_ATTEMPTS = 5;

  private final ResourceClient<Node> nodes;
  private final String nodeName;
  private final NodeStatusGenerator statusGenerator;
  private final Clock clock;
  private final Duration period;
  private ScheduledExecutorService executor;
  private ScheduledFuture<?> task;

  public NodeStatusReporter(ResourceClient<Node> nodes, String nodeName, NodeStatusGenerator statusGenerator,
      Clock clock, Duration period) {
    this.nodes = nodes;
    this.nodeName = nodeName;
    this.statusGenerator = statusGenerator;
    this.clock = clock;
    this.period = period;
  }

  /** Reports every period on {@code executor}, starting after one period. */
  public synchronized void start(ScheduledExecutorService executor) {
    this.executor = executor;
    this.task = executor.scheduleWithFixedDelay(this::reportQuietly, period.toMillis(), period.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** Asks for a report soon, outside the schedule. */
  public synchronized void reportNow() {
    if (executor != null) {
      executor.execute(this::reportQuietly);
    }
  }

  /**
   * Posts the status once; returns the node as stored. As the kubelet does, the first attempt
   * starts from the apiserver's cached copy of the Node (resourceVersion "0": no store read, the
   * common case every period); the post is conditional on that copy's resourceVersion, so a copy
   * that was stale ends in a conflict and the next attempt reads the latest Node.
   */
  public Node report() {
    for (int attempt = 1; ; attempt++) {
      Node node = nodes.get("", nodeName, attempt == 1 ? "0" : "");
      Node updated = node.toBuilder().setStatus(statusGenerator.generate(node.getStatus(), clock.instant())).build();
      try {
        return nodes.updateStatus(updated);
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.ABORTED || attempt == MAX_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  private void reportQuietly() {
    try {
      report();
    } catch (RuntimeException e) {
      log.warn("posting status of node {} failed: {}", nodeName, e.toString());
    }
  }

  @Override
  public synchronized void close() {
    if (task != null) {
      task.cancel(false);
    }
  }
}
