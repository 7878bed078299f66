package dev.capstan.store.mvcc;

import dev.capstan.etcd.mvccpb.Event;
import java.util.List;

/**
 * What applying one request did: etcd's response, the store revision after it, and the events it
 * produced in order (each with {@code prev_kv} set where a previous value existed). A request that
 * changed nothing has no events and left the revision unchanged.
 */
public record Applied<R>(R response, long revision, List<Event> events) {

  public Applied {
    events = List.copyOf(events);
  }
}
