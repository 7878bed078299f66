package dev.capstan.client.informer;

import com.google.protobuf.Message;
import dev.capstan.api.meta.v1.ListRequest;
import dev.capstan.api.meta.v1.WatchRequest;
import dev.capstan.client.ListResult;
import dev.capstan.client.ResourceClient;
import dev.capstan.client.WatchEvent;
import dev.capstan.client.WatchHandler;
import io.grpc.Status;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The informer's list-and-watch loop, run on its own thread: lists, hands the list to the
 * dispatcher, watches from the list's resourceVersion (so no change between the two is missed)
 * and hands every event over in order. When the watch ends cleanly it resumes from the last
 * resourceVersion it saw; when the watch fails it relists, because events may have been lost;
 * on OUT_OF_RANGE (the resourceVersion is older than the server's window) it relists at once.
 * Failed attempts back off exponentially from {@link #INITIAL_BACKOFF} to {@link #MAX_BACKOFF};
 * the backoff resets once a watch delivers an event or stays open for {@link #HEALTHY_WATCH}.
 */
final class Reflector<T extends Message> implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(Reflector.class);
  static final Duration INITIAL_BACKOFF = Duration.ofMillis(800);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  static final Duration HEALTHY_WATCH = Duration.ofMinutes(1);

  private final ResourceClient<T> client;
  private final ListRequest listRequest;
  private final WatchRequest watchTemplate;
  private final EventDispatcher<T> dispatcher;
  private final Clock clock;
  private final Sleeper sleeper;

  private volatile boolean stopped;
  private volatile String lastSyncResourceVersion = "";
  private volatile AutoCloseable currentWatch;

  /** How a watch stream ended. */
  private record WatchEnd(Throwable error, boolean receivedEvents, Duration lasted) {}

  Reflector(ResourceClient<T> client, ListRequest selection, EventDispatcher<T> dispatcher, Clock clock,
      Sleeper sleeper) {
    this.client = client;
    this.listRequest = selection.toBuilder().clearResourceVersion().clearContinue().build();
    this.watchTemplate = WatchRequest.newBuilder()
        .setNamespace(selection.getNamespace())
        .setLabelSelector(selection.getLabelSelector())
        .setFieldSelector(selection.getFieldSelector())
        .setAllowWatchBookmarks(true)
        .build();
    this.dispatcher = dispatcher;
    this.clock = clock;
    this.sleeper = sleeper;
  }

  /** The resourceVersion of the last list or watch event received. */
  String lastSyncResourceVersion() {
    return lastSyncResourceVersion;
  }

  /** Ends the loop: cancels the open watch; the owner also interrupts the thread. */
  void stop() {
    stopped = true;
    closeWatch();
  }

  @Override
  public void run() {
    String kind = client.kind().toString();
    int failures = 0;
    boolean needList = true;
    try {
      while (!stopped) {
        if (failures > 0) {
          sleeper.sleep(backoff(failures));
          if (stopped) {
            return;
          }
        }
        if (needList) {
          ListResult<T> list;
          try {
            list = client.list(listRequest);
          } catch (RuntimeException e) {
            if (stopped) {
              return;
            }
            failures++;
            log.warn("{} informer: list failed ({}); retrying in {}", kind, describe(e), backoff(failures));
            continue;
          }
          lastSyncResourceVersion = list.resourceVersion();
          dispatcher.replace(list.items());
          needList = false;
        }
        WatchEnd end = watch(lastSyncResourceVersion);
        if (stopped) {
          return;
        }
        boolean healthy = end.receivedEvents() || end.lasted().compareTo(HEALTHY_WATCH) >= 0;
        failures = healthy ? 0 : failures;
        if (end.error() == null) {
          // The server ended the stream; resuming from the last resourceVersion misses nothing.
          if (!healthy) {
            failures++;
          }
        } else if (Status.fromThrowable(end.error()).getCode() == Status.Code.OUT_OF_RANGE) {
          log.info("{} informer: resourceVersion {} is too old; relisting", kind, lastSyncResourceVersion);
          needList = true;
          failures = 0;
        } else {
          failures++;
          needList = true;
          log.warn("{} informer: watch failed ({}); relisting in {}", kind, describe(end.error()), backoff(failures));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      closeWatch();
    }
  }

  /** Watches from the resourceVersion until the stream ends or the reflector stops. */
  private WatchEnd watch(String resourceVersion) throws InterruptedException {
    CompletableFuture<Optional<Throwable>> closed = new CompletableFuture<>();
    AtomicBoolean received = new AtomicBoolean();
    Instant started = clock.instant();
    WatchRequest request = watchTemplate.toBuilder().setResourceVersion(resourceVersion).build();
    try {
      currentWatch = client.watch(request, new WatchHandler<>() {
        @Override
        public void onEvent(WatchEvent<T> event) {
          received.set(true);
          String rv = client.kind().metadata(event.object()).getResourceVersion();
          if (!rv.isEmpty()) {
            lastSyncResourceVersion = rv;
          }
          if (!WatchEvent.BOOKMARK.equals(event.type())) {
            dispatcher.event(event);
          }
        }

        @Override
        public void onClose(Throwable error) {
          closed.complete(Optional.ofNullable(error));
        }
      });
    } catch (RuntimeException e) {
      return new WatchEnd(e, false, Duration.ZERO);
    }
    if (stopped) {
      closeWatch();
    }
    try {
      Throwable error = closed.get().orElse(null);
      return new WatchEnd(error, received.get(), Duration.between(started, clock.instant()));
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    } finally {
      currentWatch = null;
    }
  }

  private void closeWatch() {
    AutoCloseable watch = currentWatch;
    if (watch != null) {
      try {
        watch.close();
      } catch (Exception e) {
        log.debug("closing watch", e);
      }
    }
  }

  static Duration backoff(int failures) {
    double millis = INITIAL_BACKOFF.toMillis() * Math.pow(2, Math.max(0, failures - 1));
    return millis >= MAX_BACKOFF.toMillis() ? MAX_BACKOFF : Duration.ofMillis((long) millis);
  }

  private static String describe(Throwable e) {
    Status status = Status.fromThrowable(e);
    return status.getCode() == Status.Code.UNKNOWN ? e.toString() : status.toString();
  }
}
