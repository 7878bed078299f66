package dev.capstan.client.informer;

import java.time.Duration;

/** Waits between failed list/watch attempts; injected so that tests do not wait. */
@FunctionalInterface
interface Sleeper {
  void sleep(Duration duration) throws InterruptedException;
}
