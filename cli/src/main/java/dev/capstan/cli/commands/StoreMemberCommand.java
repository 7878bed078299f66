package dev.capstan.cli.commands;

import dev.capstan.cli.output.Table;
import dev.capstan.etcd.etcdserverpb.ClusterGrpc;
import dev.capstan.etcd.etcdserverpb.Member;
import dev.capstan.etcd.etcdserverpb.MemberAddRequest;
import dev.capstan.etcd.etcdserverpb.MemberAddResponse;
import dev.capstan.etcd.etcdserverpb.MemberListRequest;
import dev.capstan.etcd.etcdserverpb.MemberRemoveRequest;
import dev.capstan.store.remote.EtcdEndpoint;
import io.grpc.Grpc;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code capstan store member list|add|remove}: a running store's membership, through etcd's
 * Cluster service on the first of {@code --endpoints} that answers (as etcdctl's
 * {@code member} commands do). A new member is started first with
 * {@code capstan store --initial-cluster-state existing} and then added.
 */
@Command(name = "member", description = "List, add or remove the members of a running store.",
    subcommands = {StoreMemberCommand.ListMembers.class, StoreMemberCommand.Add.class, StoreMemberCommand.Remove.class})
public final class StoreMemberCommand {

  /** The {@code --endpoints} flag and the connection to the first member that answers. */
  static final class Endpoints {
    @Option(names = "--endpoints", split = ",", description = "store members' etcd endpoints as HOST:PORT;"
        + " the first that answers is used (default: 127.0.0.1:2379)")
    List<String> endpoints = new ArrayList<>(List.of("127.0.0.1:2379"));

    @Option(names = "--timeout", description = "how long a change may take, in seconds; adding waits until the"
        + " new member has caught up (default: 60)")
    long timeoutSeconds = 60;

    @Mixin
    StoreClientTlsOptions tls = new StoreClientTlsOptions();

    /** Runs {@code call} against the first endpoint that is reachable; its own errors are final. */
    <T> T call(java.util.function.Function<ClusterGrpc.ClusterBlockingStub, T> call) {
      List<EtcdEndpoint> members = StoreEndpoints.parse(endpoints, tls.enabled());
      ChannelCredentials credentials = tls.credentials();
      List<String> failures = new ArrayList<>();
      for (EtcdEndpoint member : members) {
        ManagedChannel channel = Grpc.newChannelBuilderForAddress(member.host(), member.port(), credentials).build();
        try {
          ClusterGrpc.ClusterBlockingStub stub = ClusterGrpc.newBlockingStub(channel);
          try {
            // Reachable, and still a member? Otherwise the next endpoint is tried.
            stub.withDeadlineAfter(5, TimeUnit.SECONDS).memberList(MemberListRequest.getDefaultInstance());
          } catch (StatusRuntimeException e) {
            failures.add(member + ": " + StoreCallFailure.describe(e, tls.enabled(), tls.presentsCertificate(),
                StoreClientTlsOptions.DIAL_FLAGS));
            continue;
          }
          try {
            return call.apply(stub.withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS));
          } catch (StatusRuntimeException e) {
            // The store's own answer (member not found, ...) is final.
            throw new CliException(StoreCallFailure.describe(e, tls.enabled(), tls.presentsCertificate(),
                StoreClientTlsOptions.DIAL_FLAGS));
          }
        } finally {
          channel.shutdownNow();
        }
      }
      throw new CliException("no store member answered: " + String.join("; ", failures));
    }
  }

  static String hexId(long id) {
    return Long.toHexString(id);
  }

  /** {@code capstan store member list}. */
  @Command(name = "list", description = "List the store's members.")
  public static final class ListMembers implements Callable<Integer> {
    @Mixin
    Endpoints endpoints;

    @Override
    public Integer call() {
      List<Member> members = endpoints.call(stub -> stub.memberList(MemberListRequest.getDefaultInstance()))
          .getMembersList();
      Table table = new Table(List.of("ID", "NAME", "PEER URLS", "CLIENT URLS"));
      for (Member member : members) {
        table.row(List.of(hexId(member.getID()), member.getName(), String.join(",", member.getPeerURLsList()),
            String.join(",", member.getClientURLsList())));
      }
      table.print(System.out);
      return 0;
    }
  }

  /** {@code capstan store member add NAME --peer-urls URL [--client-urls URL,...]}. */
  @Command(name = "add", description = "Add a member to the store. Start it first with"
      + " 'capstan store --initial-cluster-state existing'; this returns once it has caught up.")
  public static final class Add implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "the new member's name (its --name)")
    String name;

    @Option(names = "--peer-urls", required = true, description = "the new member's Raft URL, http://HOST:RAFT_PORT")
    String peerUrl;

    @Option(names = "--client-urls", split = ",", description = "the new member's etcd client URLs,"
        + " http://HOST:CLIENT_PORT, shown by member list")
    List<String> clientUrls = new ArrayList<>();

    @Mixin
    Endpoints endpoints;

    @Override
    public Integer call() {
      if (!peerUrl.matches("http://[^/,\\s]+")) {
        throw new CliException("--peer-urls: expected one http://HOST:PORT, got '" + peerUrl + "'");
      }
      for (String url : clientUrls) {
        if (!url.matches("https?://[^/,\\s]+")) {
          throw new CliException("--client-urls: expected http://HOST:PORT, got '" + url + "'");
        }
      }
      MemberAddResponse added = endpoints.call(stub -> stub.memberAdd(MemberAddRequest.newBuilder()
          .addPeerURLs(peerUrl).addAllCapstanClientURLs(clientUrls).build()));
      Member member = added.getMember();
      System.out.println("Member " + member.getName() + " (" + hexId(member.getID()) + ") added; the store has "
          + added.getMembersCount() + " members");
      if (!member.getName().equals(name)) {
        System.err.println("warning: the member at " + peerUrl + " runs as '" + member.getName() + "', not '" + name
            + "'; it was added under its own name");
      }
      return 0;
    }
  }

  /** {@code capstan store member remove NAME|ID}. */
  @Command(name = "remove", description = "Remove a member (by name or hex ID) from the store.")
  public static final class Remove implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME|ID", description = "the member's name, or its hex ID as member list shows")
    String member;

    @Mixin
    Endpoints endpoints;

    @Override
    public Integer call() {
      List<Member> members = endpoints.call(stub -> stub.memberList(MemberListRequest.getDefaultInstance()))
          .getMembersList();
      Member target = members.stream()
          .filter(m -> m.getName().equals(member) || hexId(m.getID()).equalsIgnoreCase(member))
          .findFirst()
          .orElseThrow(() -> new CliException("no member is named or has the ID '" + member + "'; members: "
              + String.join(", ", members.stream().map(Member::getName).toList())));
      var response = endpoints.call(stub -> stub.memberRemove(MemberRemoveRequest.newBuilder()
          .setID(target.getID()).build()));
      // The member answering may be the one removed; it no longer knows the others then.
      System.out.println("Member " + target.getName() + " (" + hexId(target.getID()) + ") removed"
          + (response.getMembersCount() == 0 ? "" : "; the store has " + response.getMembersCount() + " members"));
      return 0;
    }
  }
}
