package dev.capstan.client.events;

import dev.capstan.api.core.v1.Event;
import dev.capstan.client.ResourceClient;

/** Writes Events through the apiserver's Events service. */
final class ApiEventSink implements EventSink {
  private final ResourceClient<Event> events;

  ApiEventSink(ResourceClient<Event> events) {
    this.events = events;
  }

  @Override
  public Event create(Event event) {
    return events.create(event);
  }

  @Override
  public Event update(Event event) {
    return events.update(event);
  }
}
