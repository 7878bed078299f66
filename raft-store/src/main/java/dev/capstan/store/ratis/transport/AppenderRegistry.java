package dev.capstan.store.ratis.transport;

import org.apache.ratis.server.leader.LogAppender;

/** Told of each log appender the transport starts and stops (the store's commit signal wakes them). */
public interface AppenderRegistry {

  void register(LogAppender appender);

  void unregister(LogAppender appender);
}
