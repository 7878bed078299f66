package dev.capstan.apiserver.ratelimit;

import dev.capstan.client.WatchEvent;
import dev.capstan.client.WatchHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A watch handler that only notes that the watch delivered an event: proof that it is established. */
final class FirstEvent<T> implements WatchHandler<T> {
  private final CompletableFuture<Void> seen = new CompletableFuture<>();

  @Override
  public void onEvent(WatchEvent<T> event) {
    seen.complete(null);
  }

  @Override
  public void onClose(Throwable error) {}

  void await() throws Exception {
    seen.get(10, TimeUnit.SECONDS);
  }
}
