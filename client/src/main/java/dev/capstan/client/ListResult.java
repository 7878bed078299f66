package dev.capstan.client;

import java.util.List;

/**
 * A page of a List.
 *
 * @param resourceVersion the store revision the list was read at; a watch from it misses nothing
 * @param continueToken non-empty when more items follow
 */
public record ListResult<T>(List<T> items, String resourceVersion, String continueToken) {}
