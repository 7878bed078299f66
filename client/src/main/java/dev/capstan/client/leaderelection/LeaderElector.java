package dev.capstan.client.leaderelection;

import com.google.protobuf.Timestamp;
import dev.capstan.api.coordination.v1.Lease;
import dev.capstan.api.coordination.v1.LeaseSpec;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.client.CapstanClient;
import io.grpc.StatusRuntimeException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes-style leader election on a coordination.k8s.io/v1 Lease.
 *
 * <p>Contract:
 * <ul>
 *   <li>A candidate takes the lease when it does not exist, has no holder, or its holder's
 *       {@code renewTime + leaseDuration} is before now on the injected clock. Taking the lease from
 *       another (or a released) holder increments {@code leaseTransitions} and sets
 *       {@code acquireTime}.
 *   <li>Every write carries the resourceVersion that was read, so of two candidates racing for the
 *       lease exactly one wins; the loser (ABORTED) simply tries again after {@code retryPeriod}.
 *   <li>The leader renews every {@code retryPeriod}. If it has not renewed successfully for
 *       {@code renewDeadline}, or sees another holder, it stops leading
 *       ({@link LeaderCallbacks#onStoppedLeading}) and becomes a candidate again.
 *   <li>{@link #close} stops leading (callback first, so work stops before anyone else can start)
 *       and then releases the lease by clearing its holderIdentity, so a successor need not wait for
 *       the lease to expire.
 * </ul>
 * As in Kubernetes, every candidate must use the same {@code leaseDuration}: it, not the duration
 * written in the lease, decides expiry (the lease field only has whole seconds).
 */
public final class LeaderElector implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LeaderElector.class);
  private static final long CLOSE_JOIN_MILLIS = 40_000;

  private final LeaseLock lock;
  private final LeaderElectionConfig config;
  private final LeaderCallbacks callbacks;
  private final Clock clock;
  private final CountDownLatch stopping = new CountDownLatch(1);
  private final Object lifecycle = new Object();
  private Thread thread;
  private volatile boolean leading;
  private volatile String observedHolder = "";
  private String reportedLeader = "";

  public LeaderElector(CapstanClient client, LeaderElectionConfig config, LeaderCallbacks callbacks, Clock clock) {
    this(new ApiLeaseLock(Objects.requireNonNull(client, "client").leases(),
        Objects.requireNonNull(config, "config").leaseNamespace(), config.leaseName()), config, callbacks, clock);
  }

  LeaderElector(LeaseLock lock, LeaderElectionConfig config, LeaderCallbacks callbacks, Clock clock) {
    this.lock = lock;
    this.config = Objects.requireNonNull(config, "config");
    this.callbacks = Objects.requireNonNull(callbacks, "callbacks");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Starts competing for the lease on a background thread and returns at once. */
  public void run() {
    synchronized (lifecycle) {
      if (thread != null) {
        throw new IllegalStateException("leader elector for " + config.identity() + " already running");
      }
      if (stopping.getCount() == 0) {
        throw new IllegalStateException("leader elector for " + config.identity() + " is closed");
      }
      thread = new Thread(this::electionLoop, "leader-elector-" + config.leaseName());
      thread.setDaemon(true);
      thread.start();
    }
  }

  /** Whether this candidate currently leads. */
  public boolean isLeader() {
    return leading;
  }

  /** The holder last seen on the lease; "" when none was seen or the lease was released. */
  public String observedLeader() {
    return observedHolder;
  }

  public LeaderElectionConfig config() {
    return config;
  }

  /** Stops competing; if leading, stops leading and releases the lease. Blocks until done. */
  @Override
  public void close() {
    Thread t;
    synchronized (lifecycle) {
      stopping.countDown();
      t = thread;
    }
    if (t == null || t == Thread.currentThread()) {
      return;
    }
    try {
      t.join(CLOSE_JOIN_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void electionLoop() {
    while (!stopped()) {
      if (!acquire()) {
        return;
      }
      leading = true;
      log.info("{} became leader of lease {}/{}", config.identity(), config.leaseNamespace(), config.leaseName());
      safely("onStartedLeading", callbacks::onStartedLeading);
      renewUntilLostOrStopped();
      leading = false;
      safely("onStoppedLeading", callbacks::onStoppedLeading);
      if (stopped()) {
        release();
        return;
      }
      log.warn("{} lost leadership of lease {}/{}", config.identity(), config.leaseNamespace(), config.leaseName());
    }
  }

  /** Tries every retryPeriod until the lease is ours; false when stopped first. */
  private boolean acquire() {
    while (!stopped()) {
      if (tryAcquireOrRenew()) {
        return true;
      }
      pause();
    }
    return false;
  }

  private void renewUntilLostOrStopped() {
    Instant lastRenewal = clock.instant();
    while (true) {
      pause();
      if (stopped()) {
        return;
      }
      if (tryAcquireOrRenew()) {
        lastRenewal = clock.instant();
        continue;
      }
      boolean takenOver = !observedHolder.isEmpty() && !observedHolder.equals(config.identity());
      boolean pastDeadline = !Duration.between(lastRenewal, clock.instant()).minus(config.renewDeadline())
          .isNegative();
      if (takenOver || pastDeadline) {
        return;
      }
    }
  }

  /**
   * One attempt to create, take over or renew the lease. Returns true when this candidate holds
   * it afterwards. Never throws for API failures (they count as "not acquired").
   */
  boolean tryAcquireOrRenew() {
    Instant now = clock.instant();
    try {
      var current = lock.get();
      if (current.isEmpty()) {
        LeaseSpec spec = ourSpec(now).setAcquireTime(timestamp(now)).setLeaseTransitions(0).build();
        Lease created = lock.create(Lease.newBuilder()
            .setMetadata(ObjectMeta.newBuilder().setNamespace(config.leaseNamespace()).setName(config.leaseName()))
            .setSpec(spec)
            .build());
        observe(created);
        return true;
      }
      Lease old = current.get();
      observe(old);
      LeaseSpec oldSpec = old.getSpec();
      String holder = oldSpec.getHolderIdentity();
      boolean ours = holder.equals(config.identity());
      if (!holder.isEmpty() && !ours && !expired(oldSpec, now)) {
        return false;
      }
      LeaseSpec.Builder spec = ourSpec(now);
      if (ours) {
        spec.setAcquireTime(oldSpec.getAcquireTime()).setLeaseTransitions(oldSpec.getLeaseTransitions());
      } else {
        spec.setAcquireTime(timestamp(now)).setLeaseTransitions(oldSpec.getLeaseTransitions() + 1);
      }
      Lease updated = lock.update(old.toBuilder().setSpec(spec).build());
      observe(updated);
      return true;
    } catch (StatusRuntimeException e) {
      // ABORTED: another candidate wrote first; anything else: the apiserver is unreachable.
      log.debug("{} could not acquire or renew lease {}/{}: {}", config.identity(), config.leaseNamespace(),
          config.leaseName(), e.getStatus());
      return false;
    }
  }

  /** Clears holderIdentity if we still hold the lease, so a successor can take it at once. */
  void release() {
    try {
      var current = lock.get();
      if (current.isEmpty() || !current.get().getSpec().getHolderIdentity().equals(config.identity())) {
        return;
      }
      Lease old = current.get();
      Instant now = clock.instant();
      LeaseSpec released = old.getSpec().toBuilder()
          .setHolderIdentity("")
          .setLeaseDurationSeconds(1)
          .setRenewTime(timestamp(now))
          .setAcquireTime(timestamp(now))
          .build();
      observe(lock.update(old.toBuilder().setSpec(released).build()));
      log.info("{} released lease {}/{}", config.identity(), config.leaseNamespace(), config.leaseName());
    } catch (StatusRuntimeException e) {
      log.warn("{} could not release lease {}/{}: {}", config.identity(), config.leaseNamespace(),
          config.leaseName(), e.getStatus());
    }
  }

  private LeaseSpec.Builder ourSpec(Instant now) {
    long seconds = Math.max(1, (config.leaseDuration().toMillis() + 999) / 1000);
    return LeaseSpec.newBuilder()
        .setHolderIdentity(config.identity())
        .setLeaseDurationSeconds((int) Math.min(Integer.MAX_VALUE, seconds))
        .setRenewTime(timestamp(now));
  }

  private boolean expired(LeaseSpec spec, Instant now) {
    if (!spec.hasRenewTime()) {
      return true;
    }
    Instant renewed = Instant.ofEpochSecond(spec.getRenewTime().getSeconds(), spec.getRenewTime().getNanos());
    return renewed.plus(config.leaseDuration()).isBefore(now);
  }

  private void observe(Lease lease) {
    String holder = lease.getSpec().getHolderIdentity();
    observedHolder = holder;
    if (!holder.isEmpty() && !holder.equals(reportedLeader)) {
      reportedLeader = holder;
      safely("onNewLeader", () -> callbacks.onNewLeader(holder));
    }
  }

  private void pause() {
    try {
      stopping.await(config.retryPeriod().toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopping.countDown();
    }
  }

  private boolean stopped() {
    return stopping.getCount() == 0;
  }

  private void safely(String callback, Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      log.error("leader election callback {} of {} failed", callback, config.identity(), e);
    }
  }

  private static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }
}
