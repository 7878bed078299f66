package dev.capstan.cli.commands;

import dev.capstan.etcd.etcdserverpb.MaintenanceGrpc;
import dev.capstan.etcd.etcdserverpb.StatusRequest;
import dev.capstan.store.remote.EtcdEndpoint;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Option;

/**
 * The kube-apiserver's flags for keeping the cluster's objects in an external etcd v3 cluster
 * instead of the server's own Raft store: {@code --etcd-servers} and, for etcd serving TLS,
 * {@code --etcd-cafile} (required with {@code https://}), {@code --etcd-certfile} and
 * {@code --etcd-keyfile} (for etcd started with {@code --client-cert-auth}), and
 * {@code --etcd-compaction-interval}. Each fault is reported naming its flag before anything starts.
 */
public final class ExternalEtcdOptions {
  static final String SERVERS_FLAG = "--etcd-servers";
  static final String CA_FLAG = "--etcd-cafile";
  static final String CERT_FLAG = "--etcd-certfile";
  static final String KEY_FLAG = "--etcd-keyfile";
  static final String COMPACTION_FLAG = "--etcd-compaction-interval";
  /** The kube-apiserver's default compaction interval. */
  static final Duration DEFAULT_COMPACTION_INTERVAL = Duration.ofMinutes(5);
  static final StoreCallFailure.DialFlags DIAL_FLAGS = new StoreCallFailure.DialFlags(CA_FLAG, CERT_FLAG, KEY_FLAG,
      "give it in " + SERVERS_FLAG + " as https://HOST:PORT with " + CA_FLAG,
      "give it in " + SERVERS_FLAG + " as http://HOST:PORT, without " + CA_FLAG);

  @Option(names = SERVERS_FLAG, split = ",", paramLabel = "URL", description = "keep the cluster's objects in this"
      + " external etcd v3 cluster (its members' client URLs, http:// or https://) instead of a Raft store of this"
      + " server's own; no Raft or etcd port is served then (default: the server's own store)")
  List<String> servers = new ArrayList<>();

  @Option(names = CA_FLAG, paramLabel = "FILE", description = "the CA (PEM) that issued the etcd members' serving"
      + " certificates; required with https:// " + SERVERS_FLAG)
  Path caFile;

  @Option(names = CERT_FLAG, paramLabel = "FILE", description = "a client certificate (PEM) to present to etcd, with "
      + KEY_FLAG + " (for etcd started with --client-cert-auth)")
  Path certFile;

  @Option(names = KEY_FLAG, paramLabel = "FILE", description = "the private key of " + CERT_FLAG + " (PEM, PKCS#8)")
  Path keyFile;

  @Option(names = COMPACTION_FLAG, paramLabel = "DURATION", description = "how often the servers compact the"
      + " external etcd's history, to the revision of one interval before; 0 leaves it to etcd (default: 5m)")
  String compactionInterval;

  /** Whether an external etcd was asked for. */
  public boolean enabled() {
    return !servers.isEmpty();
  }

  /** Refuses this set's other flags without {@code --etcd-servers}: they would be ignored. */
  void requireServersForTheOthers() {
    if (enabled()) {
      return;
    }
    refuse(CA_FLAG, caFile);
    refuse(CERT_FLAG, certFile);
    refuse(KEY_FLAG, keyFile);
    refuse(COMPACTION_FLAG, compactionInterval);
  }

  private static void refuse(String flag, Object value) {
    if (value != null) {
      throw new CliException(flag + ": only with " + SERVERS_FLAG + " (an external etcd)");
    }
  }

  /** The endpoints, each checked, all of one scheme, TLS ones with {@code --etcd-cafile}. */
  List<EtcdEndpoint> endpoints() {
    List<EtcdEndpoint> endpoints = new ArrayList<>();
    for (String server : servers) {
      try {
        endpoints.add(EtcdEndpoint.parse(server));
      } catch (IllegalArgumentException e) {
        throw new CliException(SERVERS_FLAG + ": " + e.getMessage());
      }
    }
    boolean tls = endpoints.get(0).tls();
    for (int i = 0; i < endpoints.size(); i++) {
      if (endpoints.get(i).tls() != tls) {
        throw new CliException(SERVERS_FLAG + ": '" + servers.get(i) + "' is " + (tls ? "plaintext" : "TLS")
            + " but '" + servers.get(0) + "' is " + (tls ? "TLS" : "plaintext") + ": give every member the same scheme");
      }
    }
    if (tls && caFile == null) {
      throw new CliException(CA_FLAG + ": required with https:// " + SERVERS_FLAG
          + " (the CA that issued the etcd members' certificates)");
    }
    if (!tls && (caFile != null || certFile != null)) {
      throw new CliException((caFile != null ? CA_FLAG : CERT_FLAG) + ": the " + SERVERS_FLAG
          + " are plaintext (http://); give them as https://HOST:PORT to speak TLS");
    }
    return endpoints;
  }

  /** The URLs as given, for the store client. */
  List<String> servers() {
    return List.copyOf(servers);
  }

  /** How the members are dialed, every file checked. */
  ChannelCredentials credentials() {
    if ((certFile == null) != (keyFile == null)) {
      throw new CliException((certFile == null ? CERT_FLAG : KEY_FLAG) + ": required with "
          + (certFile == null ? KEY_FLAG : CERT_FLAG));
    }
    return endpoints().get(0).tls() ? StoreClientTlsOptions.tls(DIAL_FLAGS, caFile, certFile, keyFile)
        : InsecureChannelCredentials.create();
  }

  /** The compaction interval; zero for none. */
  Duration compactionInterval() {
    if (compactionInterval == null) {
      return DEFAULT_COMPACTION_INTERVAL;
    }
    Duration interval = DurationFlag.parse(COMPACTION_FLAG, compactionInterval);
    if (interval.isNegative()) {
      throw new CliException(COMPACTION_FLAG + ": must not be negative, got " + compactionInterval);
    }
    return interval;
  }

  /**
   * Asks each member for its status once, so that a server given the wrong CA, no client
   * certificate or the wrong scheme says so at once (in these flags' terms) instead of waiting
   * for a store that never answers. Returns when one member answers.
   *
   * @throws CliException listing every member's failure when none answers
   */
  void requireAnAnsweringMember(ChannelCredentials credentials) {
    List<EtcdEndpoint> endpoints = endpoints();
    boolean tls = endpoints.get(0).tls();
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < endpoints.size(); i++) {
      EtcdEndpoint endpoint = endpoints.get(i);
      ManagedChannel channel = Grpc.newChannelBuilderForAddress(endpoint.host(), endpoint.port(), credentials).build();
      try {
        MaintenanceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
            .status(StatusRequest.getDefaultInstance());
        return;
      } catch (StatusRuntimeException e) {
        failures.add(servers.get(i) + ": " + StoreCallFailure.describe(e, tls, certFile != null, DIAL_FLAGS));
      } finally {
        channel.shutdownNow();
      }
    }
    throw new CliException(SERVERS_FLAG + ": no etcd member answered: " + String.join("; ", failures));
  }
}
