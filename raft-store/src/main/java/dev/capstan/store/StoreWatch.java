package dev.capstan.store;

/** A running watch; closing it stops delivery. */
public interface StoreWatch extends AutoCloseable {

  /**
   * Asks for a {@link StoreWatchListener#onProgress} at the newest revision this watch has caught
   * up with, delivered after any event already on its way. Answers false (and delivers nothing)
   * when the watch is still catching up or has ended, or the binding cannot tell.
   */
  default boolean requestProgress() {
    return false;
  }

  @Override
  void close();
}
