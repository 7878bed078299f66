package dev.capstan.client.workqueue;

/**
 * What a {@link RateLimitingQueue} reports about itself, as client-go's work queue does: keys
 * added, the number waiting, how long each waited and was worked on, and retries. The queue calls
 * these under its lock, so an implementation must be quick and must not call back into the queue.
 * {@link #NONE} records nothing.
 */
public interface QueueMetrics {
  QueueMetrics NONE = new QueueMetrics() {
    @Override
    public void added() {}

    @Override
    public void depth(int keys) {}

    @Override
    public void taken(long queuedNanos) {}

    @Override
    public void done(long workNanos) {}

    @Override
    public void retried() {}
  };

  /** A key was added that was not already waiting (adding a waiting key again is not counted, as in client-go). */
  void added();

  /** The number of keys ready to be taken is now {@code keys}. */
  void depth(int keys);

  /** A worker took a key that had been waiting {@code queuedNanos} since it was first added. */
  void taken(long queuedNanos);

  /** A worker finished a key it had held for {@code workNanos}. */
  void done(long workNanos);

  /** A key was put back through {@link RateLimitingQueue#addRateLimited}. */
  void retried();
}
