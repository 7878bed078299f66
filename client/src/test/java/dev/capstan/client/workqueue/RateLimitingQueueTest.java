package dev.capstan.client.workqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RateLimitingQueueTest {
  private final ManualClock clock = new ManualClock();
  /** Back-offs are measured on real time; this stands in for it where the test must be exact. */
  private final ManualTicker ticker = new ManualTicker();
  private final RateLimitingQueue<String> queue = new RateLimitingQueue<>("test", clock,
      RateLimitingQueue.DEFAULT_BASE_DELAY, RateLimitingQueue.DEFAULT_MAX_DELAY, QueueMetrics.NONE, ticker);
  private final ExecutorService workers = Executors.newCachedThreadPool();

  @AfterEach
  void tearDown() {
    queue.shutDown();
    workers.shutdownNow();
  }

  @Test
  void queuesEachKeyOnceInOrder() throws Exception {
    queue.add("a");
    queue.add("b");
    queue.add("a");

    assertThat(queue.length()).isEqualTo(2);
    assertThat(queue.take()).isEqualTo("a");
    assertThat(queue.take()).isEqualTo("b");
    assertThat(queue.length()).isZero();
  }

  @Test
  void aKeyAddedAtAnInstantIsReadyWhenTheClockReachesItNotLater() {
    java.time.Instant at = clock.instant().plusSeconds(30);
    queue.addAt("due", at);
    queue.addAt("past", clock.instant().minusSeconds(1));
    assertThat(queue.length()).as("a time already reached is now").isEqualTo(1);

    clock.advance(Duration.ofSeconds(29));
    assertThat(queue.length()).isEqualTo(1);
    // Exactly at the instant, however late the caller computed it.
    clock.advance(Duration.ofSeconds(1));
    assertThat(queue.length()).isEqualTo(2);
  }

  @Test
  void keyAddedWhileBeingProcessedIsQueuedAgainOnlyAfterDone() throws Exception {
    queue.add("a");
    assertThat(queue.take()).isEqualTo("a");

    queue.add("a");
    queue.add("a");
    assertThat(queue.length()).as("a second worker must not get a key that is being processed").isZero();

    queue.done("a");
    assertThat(queue.length()).isEqualTo(1);
    assertThat(queue.take()).isEqualTo("a");
    queue.done("a");
    assertThat(queue.length()).isZero();
  }

  @Test
  void doneWithoutReAddDoesNotQueueTheKey() throws Exception {
    queue.add("a");
    queue.done("a"); // not taken: must not duplicate it
    assertThat(queue.take()).isEqualTo("a");
    queue.done("a");
    assertThat(queue.length()).isZero();
  }

  @Test
  void takeBlocksUntilAKeyIsAdded() throws Exception {
    Future<String> taken = workers.submit(queue::take);
    assertThat(taken).isNotDone();

    queue.add("a");

    assertThat(taken.get(10, TimeUnit.SECONDS)).isEqualTo("a");
  }

  @Test
  void addAfterWaitsForTheClock() {
    queue.addAfter("a", Duration.ofSeconds(10));
    assertThat(queue.length()).isZero();
    ticker.advance(Duration.ofMinutes(1));
    assertThat(queue.length()).as("real time passing does not end a delay asked for on the clock").isZero();

    clock.advance(Duration.ofSeconds(9));
    assertThat(queue.length()).isZero();

    clock.advance(Duration.ofSeconds(1));
    assertThat(queue.length()).isEqualTo(1);
  }

  @Test
  void addAfterWithoutDelayQueuesAtOnce() {
    queue.addAfter("a", Duration.ZERO);
    assertThat(queue.length()).isEqualTo(1);
  }

  @Test
  void keyDelayedSeveralTimesBecomesReadyOnceAtTheEarliestTime() throws Exception {
    queue.addAfter("a", Duration.ofSeconds(10));
    queue.addAfter("a", Duration.ofSeconds(5));
    queue.addAfter("a", Duration.ofSeconds(20));

    clock.advance(Duration.ofSeconds(5));
    assertThat(queue.length()).isEqualTo(1);
    assertThat(queue.take()).isEqualTo("a");
    queue.done("a");

    clock.advance(Duration.ofSeconds(30));
    assertThat(queue.length()).isZero();
  }

  @Test
  void delayedKeysBecomeReadyInTimeOrder() throws Exception {
    queue.addAfter("late", Duration.ofSeconds(3));
    queue.addAfter("early", Duration.ofSeconds(1));
    queue.addAfter("middle", Duration.ofSeconds(2));

    clock.advance(Duration.ofSeconds(3));

    assertThat(queue.take()).isEqualTo("early");
    assertThat(queue.take()).isEqualTo("middle");
    assertThat(queue.take()).isEqualTo("late");
  }

  @Test
  void blockedTakeNoticesThatTheClockPassedTheDelay() throws Exception {
    Future<String> taken = workers.submit(queue::take);
    queue.addAfter("a", Duration.ofMinutes(1));
    assertThat(taken).isNotDone();

    clock.advance(Duration.ofMinutes(1));

    assertThat(taken.get(10, TimeUnit.SECONDS)).isEqualTo("a");
  }

  @Test
  void withTheSystemClockTakeWaitsOutTheDelay() throws Exception {
    RateLimitingQueue<String> real = new RateLimitingQueue<>("real", Clock.systemUTC());
    long start = System.nanoTime();
    real.addAfter("a", Duration.ofMillis(50));

    assertThat(real.take()).isEqualTo("a");
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(Duration.ofMillis(50).toNanos());
  }

  @Test
  void addRateLimitedBacksOffExponentiallyPerKeyUntilForgotten() throws Exception {
    queue.addRateLimited("a");
    assertThat(queue.numRequeues("a")).isEqualTo(1);
    ticker.advance(Duration.ofMillis(4));
    assertThat(queue.length()).isZero();
    ticker.advance(Duration.ofMillis(1));
    assertThat(queue.take()).isEqualTo("a");
    queue.done("a");

    queue.addRateLimited("a"); // second failure: 10 ms
    ticker.advance(Duration.ofMillis(9));
    assertThat(queue.length()).isZero();
    ticker.advance(Duration.ofMillis(1));
    assertThat(queue.take()).isEqualTo("a");
    queue.done("a");
    assertThat(queue.numRequeues("a")).isEqualTo(2);
    assertThat(queue.numRequeues("b")).isZero();

    queue.forget("a");
    assertThat(queue.numRequeues("a")).isZero();
    queue.addRateLimited("a"); // back to 5 ms
    ticker.advance(Duration.ofMillis(5));
    assertThat(queue.length()).isEqualTo(1);
  }

  @Test
  void backoffIsCappedAtTheMaximumDelay() {
    RateLimitingQueue<String> fresh =
        new RateLimitingQueue<>("capped", clock, Duration.ofSeconds(1), Duration.ofSeconds(4), QueueMetrics.NONE, ticker);
    for (int i = 0; i < 40; i++) {
      fresh.addRateLimited("b");
      ticker.advance(Duration.ofSeconds(4));
      assertThat(fresh.length()).as("failure %d", i + 1).isEqualTo(1);
      String key = takeNow(fresh);
      fresh.done(key);
    }
    fresh.addRateLimited("b");
    ticker.advance(Duration.ofMillis(3999));
    assertThat(fresh.length()).isZero();
    ticker.advance(Duration.ofMillis(1));
    assertThat(fresh.length()).isEqualTo(1);
  }

  @Test
  void backOffsRunOnRealTimeWhileTheClockStandsStill() throws Exception {
    // The public constructor: back-offs on System.nanoTime. The clock never moves in this test.
    RateLimitingQueue<String> frozen = new RateLimitingQueue<>("frozen", clock);
    try {
      frozen.addRateLimited("a");
      frozen.addRateLimited("a");
      Future<String> taken = workers.submit(frozen::take);
      assertThat(taken.get(10, TimeUnit.SECONDS)).as("a retry after 10 ms of real time").isEqualTo("a");
    } finally {
      frozen.shutDown();
    }
  }

  @Test
  void aBackOffIsNotEndedByTheClock() {
    queue.addRateLimited("a");
    clock.advance(Duration.ofDays(1));
    assertThat(queue.length()).isZero();
    ticker.advance(Duration.ofMillis(5));
    assertThat(queue.length()).isEqualTo(1);
  }

  @Test
  void aKeyWaitingOnBothTimeLinesIsReadyAtTheFirstAndThenWaitsOnNeither() throws Exception {
    queue.addAfter("a", Duration.ofMinutes(1));
    queue.addRateLimited("a");
    assertThat(queue.delayedLength()).isEqualTo(2);

    ticker.advance(Duration.ofMillis(5));
    assertThat(queue.take()).isEqualTo("a");
    queue.done("a");
    assertThat(queue.delayedLength()).as("the sync asks again for what it still needs").isZero();

    queue.addRateLimited("b");
    queue.addAfter("b", Duration.ofSeconds(1));
    clock.advance(Duration.ofSeconds(1));
    assertThat(queue.take()).isEqualTo("b");
    queue.done("b");
    ticker.advance(Duration.ofSeconds(1));
    assertThat(queue.length()).isZero();
  }

  @Test
  void shutDownDrainsReadyKeysThenReturnsNull() throws Exception {
    queue.add("a");
    queue.addAfter("delayed", Duration.ofSeconds(1));
    queue.shutDown();
    queue.add("b");
    clock.advance(Duration.ofSeconds(1));

    assertThat(queue.isShutDown()).isTrue();
    assertThat(queue.take()).isEqualTo("a");
    assertThat(queue.take()).isNull();
  }

  @Test
  void shutDownReleasesBlockedTakers() throws Exception {
    Future<String> first = workers.submit(queue::take);
    Future<String> second = workers.submit(queue::take);

    queue.shutDown();

    assertThat(first.get(10, TimeUnit.SECONDS)).isNull();
    assertThat(second.get(10, TimeUnit.SECONDS)).isNull();
  }

  @Test
  void rejectsBadArguments() {
    assertThatThrownBy(() -> new RateLimitingQueue<String>("q", clock, Duration.ZERO, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("baseDelay");
    assertThatThrownBy(() -> new RateLimitingQueue<String>("q", clock, Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxDelay");
    assertThatThrownBy(() -> queue.add(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("key");
  }

  private static String takeNow(RateLimitingQueue<String> q) {
    try {
      return q.take();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }
}
