package dev.capstan.client.events;

import dev.capstan.api.core.v1.Event;

/**
 * Where an {@link EventRecorder} writes Event objects. Implementations throw
 * {@link io.grpc.StatusRuntimeException} with the apiserver's status (ALREADY_EXISTS, NOT_FOUND,
 * ABORTED for a stale resourceVersion, UNAVAILABLE, ...).
 */
interface EventSink {
  Event create(Event event);

  Event update(Event event);
}
