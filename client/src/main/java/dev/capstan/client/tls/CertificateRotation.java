package dev.capstan.client.tls;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews one certificate while its process runs, as the kubelet's certificate manager does: for
 * each certificate it picks a point at a random 70-90 % of its lifetime (notBefore to notAfter),
 * and from then on (at once, for a certificate already past it) asks {@link Renewer} for a new
 * one, which it swaps into the {@link SwappableKeyManager} the live TLS servers and channels use.
 * Nothing restarts and no connection drops: handshakes after the swap present the new
 * certificate. The jitter keeps many nodes issued at the same moment from all renewing at once.
 *
 * <p>A failed renewal (server unreachable, disk full) is logged and retried after
 * {@link #FIRST_RETRY}, doubling up to {@link #MAX_RETRY}, until one succeeds; the old
 * certificate serves meanwhile. Waits longer than {@link #MAX_WAIT} are cut into pieces so that a
 * wall-clock jump (a suspended machine) delays a renewal by at most that much.
 *
 * <p>Time comes from the injected {@link Clock}, the jitter from a {@link DoubleSupplier} of values
 * in [0, 1), and waiting from a {@link Timer}, so tests run it without waiting.
 */
public final class CertificateRotation implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CertificateRotation.class);
  /** Renewal starts at a random point in [{@value #FROM}, {@value #FROM} + {@value #SPREAD}) of the lifetime. */
  static final double FROM = 0.7;
  static final double SPREAD = 0.2;
  public static final Duration FIRST_RETRY = Duration.ofSeconds(2);
  public static final Duration MAX_RETRY = Duration.ofMinutes(5);
  public static final Duration MAX_WAIT = Duration.ofHours(1);

  /** Gets a new certificate and key, already kept wherever the process keeps them (its files). */
  @FunctionalInterface
  public interface Renewer {
    CertifiedKey renew(CertifiedKey current) throws Exception;
  }

  /** Runs a task after a delay; {@link #of} adapts a ScheduledExecutorService. */
  @FunctionalInterface
  public interface Timer {
    Future<?> schedule(Runnable task, Duration delay);

    static Timer of(ScheduledExecutorService executor) {
      return (task, delay) -> executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  /** Told of each certificate in use: the first at start, then each renewed one. */
  @FunctionalInterface
  public interface Observer {
    void inUse(String name, CertifiedKey certificate);
  }

  private final String name;
  private final SwappableKeyManager live;
  private final Renewer renewer;
  private final Clock clock;
  private final DoubleSupplier jitter;
  private final Timer timer;
  private final Observer observer;
  private Instant rotateAt;
  private Duration nextRetry = FIRST_RETRY;
  private Future<?> pending;
  private boolean closed;

  /**
   * @param name what the certificate is, for logs and the metric's label ("node-client", ...)
   * @param live the key manager the TLS contexts use; its current certificate is the first one
   * @param observer told of each certificate in use (the expiry metric); may be null
   */
  public CertificateRotation(String name, SwappableKeyManager live, Renewer renewer, Clock clock,
      DoubleSupplier jitter, Timer timer, Observer observer) {
    this.name = Objects.requireNonNull(name, "name");
    this.live = Objects.requireNonNull(live, "live");
    this.renewer = Objects.requireNonNull(renewer, "renewer");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.jitter = Objects.requireNonNull(jitter, "jitter");
    this.timer = Objects.requireNonNull(timer, "timer");
    this.observer = observer != null ? observer : (n, c) -> { };
  }

  /** The point at a random 70-90 % of {@code cert}'s lifetime, as the kubelet picks it. */
  static Instant rotationPoint(CertifiedKey cert, double random) {
    double fraction = FROM + SPREAD * Math.min(Math.max(random, 0.0), 1.0);
    long millis = (long) (cert.lifetime().toMillis() * fraction);
    return cert.notBefore().plusMillis(millis);
  }

  /** Picks the current certificate's renewal point and waits for it. */
  public synchronized CertificateRotation start() {
    CertifiedKey current = live.current();
    observer.inUse(name, current);
    rotateAt = rotationPoint(current, jitter.getAsDouble());
    log.info("certificate {} (serial {}, valid until {}) will be renewed at {}", name, current.serialHex(),
        current.notAfter(), rotateAt);
    waitForRotationPoint();
    return this;
  }

  /** When the current certificate is to be renewed. */
  public synchronized Instant rotateAt() {
    return rotateAt;
  }

  public CertifiedKey current() {
    return live.current();
  }

  private void waitForRotationPoint() {
    Duration left = Duration.between(clock.instant(), rotateAt);
    if (left.isNegative() || left.isZero()) {
      schedule(this::renew, Duration.ZERO);
    } else {
      schedule(this::checkTime, left.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : left);
    }
  }

  private synchronized void checkTime() {
    if (!closed) {
      waitForRotationPoint();
    }
  }

  private void renew() {
    CertifiedKey current;
    synchronized (this) {
      if (closed) {
        return;
      }
      current = live.current();
    }
    CertifiedKey next;
    try {
      next = Objects.requireNonNull(renewer.renew(current), "the renewer returned no certificate");
    } catch (Exception e) {
      synchronized (this) {
        if (closed) {
          return;
        }
        Duration retry = nextRetry;
        nextRetry = nextRetry.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : nextRetry.multipliedBy(2);
        log.warn("certificate {} (serial {}, valid until {}) could not be renewed, retrying in {}: {}", name,
            current.serialHex(), current.notAfter(), retry, String.valueOf(e));
        schedule(this::renew, retry);
      }
      return;
    }
    synchronized (this) {
      if (closed) {
        return;
      }
      live.swap(next);
      nextRetry = FIRST_RETRY;
      rotateAt = rotationPoint(next, jitter.getAsDouble());
      Instant soonest = clock.instant().plus(FIRST_RETRY);
      if (rotateAt.isBefore(soonest)) {  // a certificate issued already nearly spent: do not spin
        rotateAt = soonest;
      }
      log.info("certificate {} renewed: serial {} valid until {} replaces serial {}; next renewal at {}", name,
          next.serialHex(), next.notAfter(), current.serialHex(), rotateAt);
      observer.inUse(name, next);
      waitForRotationPoint();
    }
  }

  private void schedule(Runnable task, Duration delay) {
    pending = timer.schedule(() -> {
      try {
        task.run();
      } catch (RuntimeException e) {  // never let the timer thread swallow a stopped rotation silently
        log.error("certificate {}: rotation step failed", name, e);
      }
    }, delay);
  }

  /** Stops renewing; the current certificate stays in use. */
  @Override
  public synchronized void close() {
    closed = true;
    if (pending != null) {
      pending.cancel(false);
    }
  }
}
