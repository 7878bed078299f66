package dev.capstan.client;

import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import io.grpc.Status;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * Several apiserver addresses behind one gRPC channel: the channel connects to the first that
 * answers, in the order given, and when the server it uses goes away it connects again, trying
 * them in order (gRPC's pick_first over every address). Each address keeps its own TLS authority,
 * so every server is verified against its own name.
 *
 * <p>A channel target for the list is {@code capstan-servers:///host:port,host:port}; {@link #target}
 * builds one, after checking each address. gRPC hands a resolver nothing but that text (a resolver
 * factory per channel is deprecated), so the resolver reads the addresses from it once, and keeps
 * them for every resolution after.
 */
final class ServerList {
  static final String SCHEME = "capstan-servers";

  static {
    NameResolverRegistry.getDefaultRegistry().register(new Provider());
  }

  private ServerList() {}

  /** One listed server: the text given (the TLS authority to verify) and its host and port. */
  private record Server(String text, String host, int port) {}

  /**
   * The channel target for {@code servers}: a single address as it is, several as one
   * failover target. Throws IllegalArgumentException naming an address that is not host:port.
   */
  static String target(List<String> servers) {
    if (servers.isEmpty()) {
      throw new IllegalArgumentException("no server address given");
    }
    servers.forEach(ServerList::parse);
    return servers.size() == 1 ? servers.get(0) : SCHEME + ":///" + String.join(",", servers);
  }

  /** The addresses a comma-separated list names, each checked. */
  static List<String> split(String commaSeparated) {
    List<String> servers = new ArrayList<>();
    for (String part : commaSeparated.split(",", -1)) {
      servers.add(part.trim());
    }
    return servers;
  }

  private static Server parse(String server) {
    int colon = server.lastIndexOf(':');
    if (colon <= 0 || colon == server.length() - 1) {
      throw new IllegalArgumentException("server address \"" + server + "\": expected host:port");
    }
    String host = server.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(server.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("server address \"" + server + "\": port is not a number");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("server address \"" + server + "\": port must be 1 to 65535");
    }
    return new Server(server, host, port);
  }

  private static final class Provider extends NameResolverProvider {
    @Override
    protected boolean isAvailable() {
      return true;
    }

    @Override
    protected int priority() {
      return 5;
    }

    @Override
    public String getDefaultScheme() {
      return SCHEME;
    }

    @Override
    public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
      return List.of(InetSocketAddress.class);
    }

    @Override
    public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
      if (!SCHEME.equals(targetUri.getScheme())) {
        return null;
      }
      String path = targetUri.getPath() == null ? "" : targetUri.getPath();
      List<Server> servers = split(path.startsWith("/") ? path.substring(1) : path).stream()
          .map(ServerList::parse).toList();
      return new Resolver(servers, args.getOffloadExecutor() != null ? args.getOffloadExecutor() : Runnable::run);
    }
  }

  /** Resolves every listed host (names through DNS, each time gRPC asks again). */
  private static final class Resolver extends NameResolver {
    private final List<Server> servers;
    private final Executor executor;
    private Listener2 listener;

    Resolver(List<Server> servers, Executor executor) {
      this.servers = servers;
      this.executor = executor;
    }

    @Override
    public String getServiceAuthority() {
      return servers.get(0).text();
    }

    @Override
    public void start(Listener2 listener) {
      this.listener = listener;
      resolve();
    }

    @Override
    public void refresh() {
      resolve();
    }

    private void resolve() {
      executor.execute(() -> {
        List<EquivalentAddressGroup> groups = new ArrayList<>();
        List<String> unresolved = new ArrayList<>();
        for (Server server : servers) {
          try {
            List<SocketAddress> resolved = new ArrayList<>();
            for (InetAddress ip : InetAddress.getAllByName(server.host())) {
              resolved.add(new InetSocketAddress(ip, server.port()));
            }
            groups.add(new EquivalentAddressGroup(resolved, Attributes.newBuilder()
                .set(EquivalentAddressGroup.ATTR_AUTHORITY_OVERRIDE, server.text()).build()));
          } catch (UnknownHostException e) {
            unresolved.add(server.text());
          }
        }
        if (groups.isEmpty()) {
          listener.onError(Status.UNAVAILABLE.withDescription("no server address resolves: " + unresolved));
        } else {
          listener.onResult(ResolutionResult.newBuilder().setAddresses(groups).build());
        }
      });
    }

    @Override
    public void shutdown() {}
  }
}
