package dev.capstan.apiserver.pki;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.apiserver.ratelimit.ManualClock;
import dev.capstan.client.metrics.MetricSamples;
import dev.capstan.client.tls.CertificateExpiryGauge;
import dev.capstan.client.tls.CertificateRotation;
import dev.capstan.client.tls.CertifiedKey;
import dev.capstan.client.tls.SwappableKeyManager;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@link CertificateRotation} on a manual clock and a manual timer: when it renews, what it does
 * when renewal fails, and what the key manager presents afterwards. (Here, not in the client
 * module, because certificates come from the cluster CA of this module.)
 */
class CertificateRotationTest {
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
  private final ManualClock clock = new ManualClock(START);
  private final SecureRandom random = new SecureRandom();
  private final CertificateAuthority ca = CertificateAuthority.create("test-ca", clock, random);
  private final ManualTimer timer = new ManualTimer();

  /** Records what the rotation schedules; the test runs the tasks when it has moved the clock. */
  private static final class ManualTimer implements CertificateRotation.Timer {
    record Scheduled(Runnable task, Duration delay, CompletableFuture<Void> future) {}

    final Deque<Scheduled> pending = new ArrayDeque<>();

    @Override
    public Future<?> schedule(Runnable task, Duration delay) {
      Scheduled s = new Scheduled(task, delay, new CompletableFuture<>());
      pending.add(s);
      return s.future();
    }

    /** Runs the one task scheduled, returning the delay it was scheduled with. */
    Duration runNext() {
      assertThat(pending).as("scheduled tasks").hasSize(1);
      Scheduled s = pending.poll();
      assertThat(s.future().isCancelled()).as("cancelled").isFalse();
      s.task().run();
      return s.delay();
    }
  }

  private CertifiedKey issue(Clock at) {
    KeyPair keys = CertificateAuthority.newKeyPair(random);
    CertificateAuthority issuer = CertificateAuthority.fromPem(ca.toPem(), at, random);
    return new CertifiedKey(issuer.issueClient(new Subject("system:node:n1", List.of()), keys.getPublic()),
        keys.getPrivate());
  }

  private CertificateRotation rotation(SwappableKeyManager live, CertificateRotation.Renewer renewer, double jitter,
      CertificateRotation.Observer observer) {
    return new CertificateRotation("node-client", live, renewer, clock, () -> jitter, timer, observer);
  }

  private static double fractionOfLife(CertifiedKey cert, Instant at) {
    return (double) Duration.between(cert.notBefore(), at).toMillis() / cert.lifetime().toMillis();
  }

  @Test
  void renewalIsScheduledAtAJitteredPointBetween70And90PercentOfTheLifetime() {
    CertifiedKey cert = issue(clock);
    for (double jitter : new double[] {0.0, 0.25, 0.5, 0.999999}) {
      CertificateRotation r = rotation(new SwappableKeyManager(cert), c -> issue(clock), jitter, null).start();
      assertThat(fractionOfLife(cert, r.rotateAt())).as("jitter %s", jitter).isBetween(0.7, 0.9);
      r.close();
    }
    CertificateRotation lowest = rotation(new SwappableKeyManager(cert), c -> issue(clock), 0.0, null).start();
    assertThat(fractionOfLife(cert, lowest.rotateAt())).isCloseTo(0.7, org.assertj.core.data.Offset.offset(1e-6));
    CertificateRotation highest = rotation(new SwappableKeyManager(cert), c -> issue(clock), 0.999999, null).start();
    assertThat(fractionOfLife(cert, highest.rotateAt())).isCloseTo(0.9, org.assertj.core.data.Offset.offset(1e-6));
  }

  @Test
  void atTheRotationPointTheNewCertificateIsSwappedInAndTheNextPointIsPickedForIt() {
    CertifiedKey first = issue(clock);
    SwappableKeyManager live = new SwappableKeyManager(first);
    List<String> seen = new ArrayList<>();
    CertificateRotation r = rotation(live, c -> issue(clock), 0.5, (name, c) -> seen.add(name + "=" + c.serialHex()))
        .start();
    Instant due = r.rotateAt();
    // A wait of months is cut into pieces of at most an hour; nothing is renewed before the point.
    assertThat(timer.runNext()).isEqualTo(CertificateRotation.MAX_WAIT);
    assertThat(live.current()).isSameAs(first);
    clock.advance(Duration.between(clock.instant(), due).minusMinutes(10));
    assertThat(timer.runNext()).isEqualTo(Duration.ofHours(1));
    assertThat(timer.pending.peek().delay()).isEqualTo(Duration.ofMinutes(10));
    clock.advance(Duration.ofMinutes(10));
    timer.runNext();
    assertThat(timer.runNext()).as("renewal runs at once when due").isZero();

    CertifiedKey second = live.current();
    assertThat(second.serialHex()).isNotEqualTo(first.serialHex());
    assertThat(seen).containsExactly("node-client=" + first.serialHex(), "node-client=" + second.serialHex());
    assertThat(fractionOfLife(second, r.rotateAt())).isCloseTo(0.8, org.assertj.core.data.Offset.offset(1e-6));
  }

  @Test
  void aCertificateAlreadyPastItsPointIsRenewedAtOnce() {
    CertifiedKey old = issue(Clock.fixed(START.minus(Duration.ofDays(340)), ZoneOffset.UTC));
    SwappableKeyManager live = new SwappableKeyManager(old);
    rotation(live, c -> issue(clock), 0.0, null).start();
    assertThat(timer.runNext()).isZero();
    assertThat(live.current().notAfter()).isAfter(old.notAfter());
  }

  @Test
  void aFailedRenewalIsRetriedWithBackOffAndTheOldCertificateServesMeanwhile() {
    CertifiedKey old = issue(Clock.fixed(START.minus(Duration.ofDays(340)), ZoneOffset.UTC));
    SwappableKeyManager live = new SwappableKeyManager(old);
    AtomicInteger attempts = new AtomicInteger();
    CertificateRotation r = rotation(live, c -> {
      assertThat(c).as("the renewer is given the current certificate").isSameAs(old);
      if (attempts.incrementAndGet() <= 3) {
        throw new IOException("connection refused");
      }
      return issue(clock);
    }, 0.5, null).start();

    assertThat(timer.runNext()).isZero();
    assertThat(live.current()).isSameAs(old);
    assertThat(timer.runNext()).isEqualTo(Duration.ofSeconds(2));
    assertThat(timer.runNext()).isEqualTo(Duration.ofSeconds(4));
    assertThat(live.current()).isSameAs(old);
    assertThat(timer.runNext()).isEqualTo(Duration.ofSeconds(8));
    assertThat(attempts).hasValue(4);
    assertThat(live.current()).isNotSameAs(old);
    assertThat(r.rotateAt()).isAfter(clock.instant());
  }

  @Test
  void theBackOffStopsGrowingAtItsCap() {
    SwappableKeyManager live = new SwappableKeyManager(issue(Clock.fixed(START.minus(Duration.ofDays(340)),
        ZoneOffset.UTC)));
    rotation(live, c -> {
      throw new IOException("connection refused");
    }, 0.5, null).start();
    Duration last = timer.runNext();
    for (int i = 0; i < 12; i++) {
      last = timer.runNext();
    }
    assertThat(last).isEqualTo(CertificateRotation.MAX_RETRY);
  }

  @Test
  void closingStopsRenewal() {
    SwappableKeyManager live = new SwappableKeyManager(issue(clock));
    CertificateRotation r = rotation(live, c -> issue(clock), 0.5, null).start();
    r.close();
    assertThat(timer.pending.peek().future().isCancelled()).isTrue();
  }

  @Test
  void theKeyManagerHandsTheNewCertificateToTheNextHandshakeAndKeepsTheOldAliasResolvable() {
    CertifiedKey first = issue(clock);
    CertifiedKey second = issue(clock);
    SwappableKeyManager km = new SwappableKeyManager(first);
    String before = km.chooseEngineServerAlias("EC", null, null);
    assertThat(km.chooseEngineServerAlias("RSA", null, null)).as("an EC key for an RSA suite").isNull();
    assertThat(km.chooseEngineClientAlias(new String[] {"RSA", "EC"}, null, null)).isEqualTo(before);

    km.swap(second);
    String after = km.chooseEngineServerAlias("EC", null, null);
    assertThat(after).isNotEqualTo(before);
    assertThat(km.getCertificateChain(after)).containsExactly(second.certificate());
    assertThat(km.getPrivateKey(after)).isEqualTo(second.key());
    // A handshake that chose its alias just before the swap still gets a matching pair.
    assertThat(km.getCertificateChain(before)).containsExactly(first.certificate());
    assertThat(km.getPrivateKey(before)).isEqualTo(first.key());
  }

  @Test
  void theGaugeShowsWhenEachCertificateExpires() {
    PrometheusRegistry registry = new PrometheusRegistry();
    CertificateExpiryGauge gauge = CertificateExpiryGauge.register(registry);
    CertifiedKey cert = issue(clock);
    rotation(new SwappableKeyManager(cert), c -> issue(clock), 0.5, gauge).start();
    assertThat(MetricSamples.scrape(registry).value(CertificateExpiryGauge.NAME, "certificate", "node-client"))
        .hasValue(cert.notAfter().getEpochSecond());
  }

  @Test
  void aPemPairParsesAndBadInputNamesTheField() {
    CertifiedKey cert = issue(clock);
    TlsIdentity pem = TlsIdentity.of(cert);
    assertThat(CertifiedKey.fromPem(pem.certificatePem(), pem.privateKeyPem())).isEqualTo(cert);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> CertifiedKey.fromPem(pem.certificatePem(), "junk"))
        .hasMessageStartingWith("key: ");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> CertifiedKey.fromPem("junk", pem.privateKeyPem()))
        .hasMessageStartingWith("certificate: ");
  }
}
