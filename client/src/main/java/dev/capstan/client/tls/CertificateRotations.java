package dev.capstan.client.tls;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The certificate rotations of one daemon, on one timer thread of their own: each certificate
 * the daemon presents gets a {@link CertificateRotation} reporting to the daemon's
 * {@link CertificateExpiryGauge}. Closing stops them all (the certificates in use stay).
 */
public final class CertificateRotations implements AutoCloseable {
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final CertificateRotation.Observer observer;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "certificate-rotation");
    t.setDaemon(true);
    return t;
  });
  private final List<CertificateRotation> rotations = new ArrayList<>();

  /** @param observer told of every certificate in use (the daemon's expiry gauge); may be null */
  public CertificateRotations(Clock clock, CertificateRotation.Observer observer) {
    this.clock = clock;
    this.observer = observer;
  }

  /** Starts renewing the certificate {@code live} presents, calling {@code renewer} for each new one. */
  public synchronized CertificateRotation rotate(String name, SwappableKeyManager live,
      CertificateRotation.Renewer renewer) {
    CertificateRotation r = new CertificateRotation(name, live, renewer, clock, random::nextDouble,
        CertificateRotation.Timer.of(timer), observer);
    rotations.add(r);
    return r.start();
  }

  /** As {@link #rotate}, for a new key manager presenting {@code first}; returns that key manager. */
  public SwappableKeyManager rotating(String name, CertifiedKey first, CertificateRotation.Renewer renewer) {
    SwappableKeyManager live = new SwappableKeyManager(first);
    rotate(name, live, renewer);
    return live;
  }

  @Override
  public synchronized void close() {
    rotations.forEach(CertificateRotation::close);
    timer.shutdownNow();
  }
}
