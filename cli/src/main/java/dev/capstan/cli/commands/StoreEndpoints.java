package dev.capstan.cli.commands;

import dev.capstan.store.remote.EtcdEndpoint;
import java.util.ArrayList;
import java.util.List;

/** The {@code --endpoints} of the store commands: HOST:PORT of members' etcd endpoints, in order of preference. */
final class StoreEndpoints {
  private StoreEndpoints() {}

  /** Parses every endpoint; an empty list or a bad one is a CLI error naming {@code --endpoints}. */
  static List<EtcdEndpoint> parse(List<String> endpoints) {
    if (endpoints.isEmpty()) {
      throw new CliException("--endpoints: at least one HOST:PORT is required");
    }
    List<EtcdEndpoint> members = new ArrayList<>();
    for (String endpoint : endpoints) {
      try {
        members.add(EtcdEndpoint.parse(endpoint));
      } catch (IllegalArgumentException e) {
        throw new CliException("--endpoints: " + e.getMessage());
      }
    }
    return members;
  }
}
