package dev.capstan.apiserver.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The token bucket on a manual clock: burst, refill rate, cap, and the wait it reports. */
class TokenBucketTest {
  private final ManualClock clock = new ManualClock();

  @Test
  void aFullBucketAllowsTheBurstThenOneRequestPerRefill() {
    TokenBucket bucket = new TokenBucket(new RateLimit(2, 3), clock);
    for (int i = 0; i < 3; i++) {
      assertThat(bucket.tryTake()).isZero();
    }
    assertThat(bucket.tryTake()).isEqualTo(Duration.ofMillis(500));
    clock.advance(Duration.ofMillis(200));
    assertThat(bucket.tryTake()).isEqualTo(Duration.ofMillis(300));  // a refused request takes nothing
    clock.advance(Duration.ofMillis(300));
    assertThat(bucket.tryTake()).isZero();
    assertThat(bucket.tryTake()).isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void aQuietSpellRefillsUpToTheBurstOnly() {
    TokenBucket bucket = new TokenBucket(new RateLimit(10, 5), clock);
    for (int i = 0; i < 5; i++) {
      assertThat(bucket.tryTake()).isZero();
    }
    clock.advance(Duration.ofHours(1));
    for (int i = 0; i < 5; i++) {
      assertThat(bucket.tryTake()).isZero();
    }
    assertThat(bucket.tryTake()).isEqualTo(Duration.ofMillis(100));
  }

  @Test
  void aFractionalRateWaitsSeconds() {
    TokenBucket bucket = new TokenBucket(new RateLimit(0.5, 1), clock);
    assertThat(bucket.tryTake()).isZero();
    assertThat(bucket.tryTake()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void badLimitsAreRefusedNamingWhatIsWrong() {
    assertThatThrownBy(() -> new RateLimit(-1, 10)).hasMessageContaining("max requests per second")
        .hasMessageContaining("-1");
    assertThatThrownBy(() -> new RateLimit(Double.NaN, 10)).hasMessageContaining("max requests per second");
    assertThatThrownBy(() -> new RateLimit(5, 0)).hasMessageContaining("burst");
    assertThat(RateLimit.OFF.enabled()).isFalse();
    assertThatThrownBy(() -> new TokenBucket(RateLimit.OFF, clock)).hasMessageContaining("rate > 0");
  }
}
