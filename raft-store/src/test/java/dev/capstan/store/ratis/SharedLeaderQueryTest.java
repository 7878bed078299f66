package dev.capstan.store.ratis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class SharedLeaderQueryTest {
  private final List<CompletableFuture<Long>> sent = new ArrayList<>();
  private final SharedLeaderQuery<Long> queries = new SharedLeaderQuery<>(() -> {
    CompletableFuture<Long> query = new CompletableFuture<>();
    sent.add(query);
    return query;
  });

  @Test
  void readsArrivingWhileAQueryIsOnItsWayShareTheNextOneNeverTheCurrent() {
    CompletableFuture<Long> first = queries.ask();
    assertThat(sent).hasSize(1);
    CompletableFuture<Long> second = queries.ask();
    CompletableFuture<Long> third = queries.ask();
    assertThat(sent).hasSize(1);  // waiting, not sent
    assertThat(second).isSameAs(third);

    sent.get(0).complete(5L);
    assertThat(first).isCompletedWithValue(5L);
    assertThat(second).isNotDone();  // it arrived after the first query left: 5 may be stale for it
    assertThat(sent).hasSize(2);

    CompletableFuture<Long> fourth = queries.ask();
    assertThat(fourth).isNotSameAs(second);
    sent.get(1).complete(7L);
    assertThat(second).isCompletedWithValue(7L);
    assertThat(third).isCompletedWithValue(7L);
    assertThat(fourth).isNotDone();
    assertThat(sent).hasSize(3);
  }

  @Test
  void aFailedQueryFailsItsReadsAndTheNextOneIsStillAsked() {
    CompletableFuture<Long> first = queries.ask();
    CompletableFuture<Long> second = queries.ask();
    sent.get(0).completeExceptionally(new IllegalStateException("no leader"));
    assertThat(first).isCompletedExceptionally();
    assertThat(sent).hasSize(2);
    sent.get(1).complete(9L);
    assertThat(second).isCompletedWithValue(9L);

    // nothing waiting: the next read sends its own query at once
    CompletableFuture<Long> third = queries.ask();
    assertThat(sent).hasSize(3);
    sent.get(2).complete(10L);
    assertThat(third).isCompletedWithValue(10L);
  }

  @Test
  void aQueryThatThrowsWhenSentFailsItsReadsOnly() {
    SharedLeaderQuery<Long> broken = new SharedLeaderQuery<>(() -> {
      throw new IllegalStateException("client closed");
    });
    assertThat(broken.ask()).isCompletedExceptionally();
    assertThat(broken.ask()).isCompletedExceptionally();
  }
}
