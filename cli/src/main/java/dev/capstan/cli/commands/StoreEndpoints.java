package dev.capstan.cli.commands;

import dev.capstan.store.remote.EtcdEndpoint;
import java.util.ArrayList;
import java.util.List;

/** The {@code --endpoints} of the store commands: HOST:PORT of members' etcd endpoints, in order of preference. */
final class StoreEndpoints {
  private StoreEndpoints() {}

  /**
   * Parses every endpoint; an empty list or a bad one is a CLI error naming {@code --endpoints}.
   * {@code https://} endpoints are taken with {@code tls} (the command's {@code --cacert}) only.
   */
  static List<EtcdEndpoint> parse(List<String> endpoints, boolean tls) {
    if (endpoints.isEmpty()) {
      throw new CliException("--endpoints: at least one HOST:PORT is required");
    }
    List<EtcdEndpoint> members = new ArrayList<>();
    for (String endpoint : endpoints) {
      EtcdEndpoint member;
      try {
        member = EtcdEndpoint.parse(endpoint);
      } catch (IllegalArgumentException e) {
        throw new CliException("--endpoints: " + e.getMessage());
      }
      if (member.tls() && !tls) {
        throw new CliException("--endpoints: " + endpoint + " is TLS: give the CA that issued its certificate with"
            + " " + StoreClientTlsOptions.CA_FLAG);
      }
      members.add(member);
    }
    return members;
  }
}
