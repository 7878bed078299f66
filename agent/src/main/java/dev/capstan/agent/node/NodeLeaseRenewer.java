package dev.capstan.agent.node;

import dev.capstan.agent.ProtoTimestamps;
import dev.capstan.api.coordination.v1.Lease;
import dev.capstan.api.coordination.v1.LeaseSpec;
import dev.capstan.api.core.v1.Node;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.meta.v1.OwnerReference;
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
 * Keeps this node's heartbeat Lease ({@code kube-node-lease/<node>}) fresh: holder = the node,
 * duration 40 s, renewTime set from the clock every period (10 s). The Lease is created when
 * missing, owned by the Node so that deleting the Node removes it. The last written Lease is
 * cached, so a renewal is one update; a conflict re-reads it.
 */
public final class NodeLeaseRenewer implements AutoCloseable {
  public static final String NAMESPACE = "kube-node-lease";
  public static final int LEASE_DURATION_SECONDS = 40;

  private static final Logger log = LoggerFactory.getLogger(NodeLeaseRenewer.class);

  private final ResourceClient<Lease> leases;
  private final String nodeName;
  private final Clock clock;
  private final Duration period;
  private volatile Node owner;
  private Lease cached;
  private ScheduledFuture<?> task;

  public NodeLeaseRenewer(ResourceClient<Lease> leases, String nodeName, Clock clock, Duration period) {
    this.leases = leases;
    this.nodeName = nodeName;
    this.clock = clock;
    this.period = period;
  }

  /** The Node the Lease is owned by (set after registration). */
  public void setOwner(Node node) {
    this.owner = node;
  }

  /** Renews now and then every period on {@code executor}. */
  public synchronized void start(ScheduledExecutorService executor) {
    task = executor.scheduleWithFixedDelay(this::renewQuietly, 0, period.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Creates or renews the Lease once; returns it as stored. */
  public synchronized Lease renew() {
    for (int attempt = 1; ; attempt++) {
      try {
        if (cached == null) {
          cached = readOrCreate();
        } else {
          cached = leases.update(desired(cached));
        }
        return cached;
      } catch (StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        // Someone else wrote it (ABORTED) or deleted it (NOT_FOUND): start over from the API's copy.
        cached = null;
        if ((code != Status.Code.ABORTED && code != Status.Code.NOT_FOUND) || attempt == 3) {
          throw e;
        }
      }
    }
  }

  /** Reads the Lease and renews it, or creates it. */
  private Lease readOrCreate() {
    Lease existing;
    try {
      existing = leases.get(NAMESPACE, nodeName);
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
        throw e;
      }
      return leases.create(desired(Lease.newBuilder()
          .setMetadata(ObjectMeta.newBuilder().setName(nodeName).setNamespace(NAMESPACE)).build()));
    }
    return leases.update(desired(existing));
  }

  private Lease desired(Lease base) {
    Lease.Builder b = base.toBuilder();
    b.setSpec(LeaseSpec.newBuilder()
        .setHolderIdentity(nodeName)
        .setLeaseDurationSeconds(LEASE_DURATION_SECONDS)
        .setRenewTime(ProtoTimestamps.of(clock.instant())));
    Node node = owner;
    if (node != null && b.getMetadata().getOwnerReferencesCount() == 0) {
      b.getMetadataBuilder().addOwnerReferences(OwnerReference.newBuilder()
          .setApiVersion("v1").setKind("Node").setName(nodeName).setUid(node.getMetadata().getUid()));
    }
    return b.build();
  }

  private void renewQuietly() {
    try {
      renew();
    } catch (RuntimeException e) {
      log.warn("renewing lease of node {} failed: {}", nodeName, e.toString());
    }
  }

  @Override
  public synchronized void close() {
    if (task != null) {
      task.cancel(false);
    }
  }
}
