package dev.capstan.store.ratis;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.CommitInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.exceptions.GroupMismatchException;
import org.apache.ratis.protocol.exceptions.ReconfigurationInProgressException;
import org.apache.ratis.protocol.exceptions.SetConfigurationException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Membership of the store's Raft group, seen from one {@link RaftStorePeer}: the members of its
 * current configuration, and adding or removing one member at a time through Raft's
 * configuration change (Ratis' compare-and-set {@code setConfiguration}, so two concurrent
 * changes cannot silently undo each other).
 *
 * <p>The order differs from etcd's: a new member is started first, on an empty data dir with
 * {@code --initial-cluster-state existing} (an empty group: it waits to be added), and then
 * added; the leader brings it up to date (by log or snapshot) before the new configuration
 * commits, so {@link #add} returns once the member holds the data. Its name is the one it was
 * started with, asked from it, so that etcdctl's {@code member add} (which sends only the peer
 * URL) works too.
 *
 * <p>A removed member is told to leave the group (best effort), so that it stops serving instead
 * of answering from a copy that no longer gets updates.
 */
public final class StoreMembership {

  private static final Logger LOG = LoggerFactory.getLogger(StoreMembership.class);

  /** etcd's texts, which etcd clients match on. */
  public static final String MEMBER_NOT_FOUND = "etcdserver: member not found";
  public static final String PEER_URL_EXISTS = "etcdserver: Peer URLs already exists";
  public static final String MEMBER_EXISTS = "etcdserver: member ID already exist";
  public static final String BAD_URLS = "etcdserver: given member URLs are invalid";
  public static final String NOT_ENOUGH_STARTED =
      "etcdserver: re-configuration failed due to not enough started members";

  /**
   * One member of the group.
   *
   * @param id the Raft peer id, which is the member's name
   * @param peerAddress its Raft {@code host:port}
   * @param clientUrls its etcd client URLs, when the group knows them
   */
  public record Member(String id, String peerAddress, List<String> clientUrls) {
    public Member {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(peerAddress, "peerAddress");
      clientUrls = List.copyOf(clientUrls);
    }

    public String peerUrl() {
      return "http://" + peerAddress;
    }
  }

  private final RaftStorePeer peer;

  public StoreMembership(RaftStorePeer peer) {
    this.peer = Objects.requireNonNull(peer, "peer");
  }

  /**
   * The members of the configuration this peer knows (during a change, the new one), by name.
   * Empty while this peer waits to be added; its own configuration as started before it ran.
   */
  public List<Member> members() {
    return toMembers(currentPeers());
  }

  /**
   * Adds the store member listening for Raft traffic at {@code peerUrl}, which must be running
   * with an empty group, and returns it once the group's new configuration is committed.
   *
   * @param peerUrls the new member's peer URLs as etcd's MemberAdd carries them: exactly one,
   *     {@code http://HOST:PORT}
   * @param clientUrls its etcd client URLs, shown by MemberList (may be empty)
   */
  public Member add(List<String> peerUrls, List<String> clientUrls) {
    String address = peerAddress(peerUrls);
    for (String url : clientUrls) {
      if (!url.matches("https?://[^/,\\s]+(/.*)?")) {
        throw new MembershipException(MembershipException.Reason.INVALID,
            "client URL '" + url + "' is not an http://HOST:PORT URL");
      }
    }
    List<RaftPeer> current = requireCurrentPeers();
    if (current.stream().anyMatch(p -> address.equals(p.getAddress()))) {
      throw new MembershipException(MembershipException.Reason.EXISTS, PEER_URL_EXISTS);
    }
    String id = waitingMemberAt(address);
    if (current.stream().anyMatch(p -> p.getId().toString().equals(id))) {
      throw new MembershipException(MembershipException.Reason.EXISTS,
          MEMBER_EXISTS + " (a member named " + id + " is in the cluster; the one at " + address + " has that name too)");
    }
    RaftPeer added = RaftPeer.newBuilder().setId(id).setAddress(address)
        .setDataStreamAddress(clientUrls.isEmpty() ? null : String.join(",", clientUrls)).build();
    List<RaftPeer> next = new ArrayList<>(current);
    next.add(added);
    setConfiguration(current, next);
    LOG.info("Store member {} at {} added", id, address);
    return toMember(added);
  }

  /**
   * Removes the member named {@code id} and returns the members left. Removing the leader is
   * allowed (it steps down once the change commits), removing the last member is not, nor a
   * removal that would leave fewer live members than a majority of the rest.
   */
  public List<Member> remove(String id) {
    List<RaftPeer> current = requireCurrentPeers();
    RaftPeer removed = current.stream().filter(p -> p.getId().toString().equals(id)).findFirst()
        .orElseThrow(() -> new MembershipException(MembershipException.Reason.NOT_FOUND, MEMBER_NOT_FOUND));
    List<RaftPeer> next = current.stream().filter(p -> !p.equals(removed)).toList();
    if (next.isEmpty()) {
      throw new MembershipException(MembershipException.Reason.NOT_ENOUGH_MEMBERS,
          NOT_ENOUGH_STARTED + " (" + id + " is the only member)");
    }
    requireLiveMajority(current, next);
    try (RaftClient client = client(current)) {
      setConfiguration(client, current, next);
      LOG.info("Store member {} removed", id);
    } catch (IOException e) {
      throw unavailable("closing the membership client failed", e);
    }
    leave(removed);
    return toMembers(next);
  }

  // ---- plumbing ----

  private List<RaftPeer> currentPeers() {
    RaftConfiguration conf = peer.raftConfiguration();
    if (conf == null) {
      return List.of();
    }
    return List.copyOf(conf.getCurrentPeers());
  }

  private List<RaftPeer> requireCurrentPeers() {
    List<RaftPeer> current = currentPeers();
    if (current.isEmpty()) {
      throw new MembershipException(MembershipException.Reason.UNAVAILABLE,
          "member " + peer.id() + " is not part of a cluster yet (it waits to be added)");
    }
    return current;
  }

  private static List<Member> toMembers(Collection<RaftPeer> peers) {
    return peers.stream().map(StoreMembership::toMember).sorted(Comparator.comparing(Member::id)).toList();
  }

  private static Member toMember(RaftPeer raftPeer) {
    // Capstan does not use Ratis data streams (they are off by default), so the data-stream
    // address slot of each peer is free: it carries the member's etcd client URLs inside every
    // configuration entry, where every member (and a member catching up) finds them.
    String urls = raftPeer.getDataStreamAddress();
    List<String> clientUrls = urls == null || urls.isBlank() ? List.of() : Arrays.asList(urls.split(","));
    return new Member(raftPeer.getId().toString(), raftPeer.getAddress(), clientUrls);
  }

  /** The one peer URL of a new member as a Raft {@code host:port}. */
  private static String peerAddress(List<String> peerUrls) {
    if (peerUrls.size() != 1) {
      throw new MembershipException(MembershipException.Reason.INVALID, BAD_URLS
          + ": peerURLs needs exactly one http://HOST:PORT (a member has one Raft address), got " + peerUrls);
    }
    String url = peerUrls.get(0).trim();
    if (!url.startsWith("http://")) {
      throw new MembershipException(MembershipException.Reason.INVALID,
          BAD_URLS + ": peer URL '" + url + "' must be http://HOST:PORT");
    }
    String hostPort = url.substring("http://".length());
    if (hostPort.endsWith("/")) {
      hostPort = hostPort.substring(0, hostPort.length() - 1);
    }
    try {
      PeerAddress.HostPort parsed = PeerAddress.HostPort.parse(hostPort, "peer URL");
      return PeerAddress.HostPort.format(parsed.host(), parsed.port());
    } catch (IllegalArgumentException e) {
      throw new MembershipException(MembershipException.Reason.INVALID, BAD_URLS + ": " + e.getMessage(), e);
    }
  }

  /**
   * The name of the store member listening at {@code address}, which must be running and not in
   * any configuration yet (started with an empty group).
   */
  private String waitingMemberAt(String address) {
    // Ratis needs a peer id to address a server; a server answers whatever id it was asked by,
    // and tells its own in its commit info.
    RaftPeer probe = RaftPeer.newBuilder().setId("capstan-new-member").setAddress(address).build();
    GroupInfoReply info;
    try (RaftClient client = clientOf(List.of(probe), RetryPolicies.retryUpToMaximumCountWithFixedSleep(3,
        TimeDuration.valueOf(200, TimeUnit.MILLISECONDS))).build()) {
      info = client.getGroupManagementApi(probe.getId()).info(RaftStorePeer.GROUP_ID);
    } catch (IOException | RuntimeException e) {
      // Nothing listening is an IOException from the Raft transport (cannot connect).
      String why = e instanceof GroupMismatchException ? "it serves no Capstan store group" : e.toString();
      throw new MembershipException(MembershipException.Reason.UNAVAILABLE, "no store member answers at " + address
          + ": start it first (capstan store --initial-cluster-state existing), then add it (" + why + ")", e);
    }
    Optional<String> id = info.getCommitInfos().stream().findFirst().map(CommitInfoProto::getServer)
        .map(server -> RaftPeerId.valueOf(server.getId()).toString());
    if (id.isEmpty()) {
      throw new MembershipException(MembershipException.Reason.UNAVAILABLE,
          "the store member at " + address + " did not say its name");
    }
    if (info.getGroup() != null && !info.getGroup().getPeers().isEmpty()) {
      throw new MembershipException(MembershipException.Reason.INVALID, "the store member " + id.get() + " at "
          + address + " already belongs to a cluster (it knows " + info.getGroup().getPeers()
          + "); start it on an empty data dir with --initial-cluster-state existing");
    }
    return id.get();
  }

  /**
   * Refuses a removal after which fewer members than a majority of {@code next} have been heard
   * from lately by the leader, as etcd's strict reconfiguration check does; the change could not
   * commit, and the group would be stuck mid-change until those members return.
   */
  private void requireLiveMajority(List<RaftPeer> current, List<RaftPeer> next) {
    Set<String> live = liveMembers(current);
    long liveLeft = next.stream().filter(p -> live.contains(p.getId().toString())).count();
    if (liveLeft < next.size() / 2 + 1) {
      throw new MembershipException(MembershipException.Reason.NOT_ENOUGH_MEMBERS, NOT_ENOUGH_STARTED
          + " (" + liveLeft + " of the " + next.size() + " members left are live; a majority is needed)");
    }
  }

  /** The members the leader heard from lately, the leader included. */
  Set<String> liveMembers() {
    return liveMembers(requireCurrentPeers());
  }

  /**
   * Asks the leader this peer knows which members it heard from lately. The leader may have just
   * died (the usual reason to remove a member is that it is down, and it may have led): then this
   * peer learns of the next leader within an election timeout, so a leader that does not answer
   * or no longer leads is asked once, and the question goes to whichever peer leads next, until
   * the change timeout runs out.
   */
  private Set<String> liveMembers(List<RaftPeer> current) {
    long deadline = System.nanoTime() + changeTimeout().toNanos();
    long pauseMs = Math.max(10, peer.config().tuning().electionTimeoutMin().toMillis() / 4);
    String lastFailure = null;
    // One question per attempt, no retries inside it: the next attempt asks whoever leads then.
    try (RaftClient client = clientOf(current, RetryPolicies.noRetry()).build()) {
      while (true) {
        Optional<RaftPeerId> leader = peer.leaderId().map(RaftPeerId::valueOf);
        if (leader.isPresent()) {
          try {
            RoleInfoProto role = client.getGroupManagementApi(leader.get()).info(RaftStorePeer.GROUP_ID)
                .getRoleInfoProto();
            if (role.hasLeaderInfo()) {
              return liveMembers(leader.get(), role);
            }
            lastFailure = leader.get() + " no longer leads";
          } catch (IOException | RuntimeException e) {
            lastFailure = "asking the leader " + leader.get() + " which members are live failed: " + e;
          }
        }
        if (System.nanoTime() - deadline >= 0) {
          // etcd's exact text when there was no leader at all: etcd clients match on it.
          throw new MembershipException(MembershipException.Reason.UNAVAILABLE, lastFailure == null
              ? "etcdserver: no leader"
              : "no leader answered within " + changeTimeout().toMillis() + " ms (" + lastFailure + ")");
        }
        Thread.sleep(pauseMs);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MembershipException(MembershipException.Reason.UNAVAILABLE, "interrupted while waiting for a leader", e);
    } catch (IOException e) {
      throw unavailable("closing the membership client failed", e);
    }
  }

  private Set<String> liveMembers(RaftPeerId leader, RoleInfoProto role) {
    // The leader heartbeats every half election timeout; a member silent for two full ones is down.
    long liveWithinMs = peer.config().tuning().electionTimeoutMax().multipliedBy(2).toMillis();
    Set<String> live = new HashSet<>();
    live.add(leader.toString());
    for (ServerRpcProto follower : role.getLeaderInfo().getFollowerInfoList()) {
      if (follower.getLastRpcElapsedTimeMs() <= liveWithinMs) {
        live.add(RaftPeerId.valueOf(follower.getId().getId()).toString());
      }
    }
    return live;
  }

  private void setConfiguration(List<RaftPeer> current, List<RaftPeer> next) {
    try (RaftClient client = client(current)) {
      setConfiguration(client, current, next);
    } catch (IOException e) {
      throw unavailable("closing the membership client failed", e);
    }
  }

  private void setConfiguration(RaftClient client, List<RaftPeer> current, List<RaftPeer> next) {
    RaftClientReply reply;
    try {
      reply = client.admin().setConfiguration(SetConfigurationRequest.Arguments.newBuilder()
          .setServersInCurrentConf(current)
          .setServersInNewConf(next)
          .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET)
          .build());
    } catch (IOException e) {
      throw changeFailed(e);
    }
    if (!reply.isSuccess()) {
      throw changeFailed(reply.getException());
    }
  }

  /**
   * Tells a removed member to drop the group, so that it stops serving. Asked once: it may be
   * down (the usual reason to remove a member), and one down now learns at its next start, from
   * the others' answer to its election, that it is no member.
   */
  private void leave(RaftPeer removed) {
    try (RaftClient client = clientOf(List.of(removed), RetryPolicies.noRetry()).build()) {
      client.getGroupManagementApi(removed.getId()).remove(RaftStorePeer.GROUP_ID, false, false);
    } catch (IOException | RuntimeException e) {
      LOG.warn("Removed store member {} could not be told to leave (it may be down): {}", removed.getId(),
          e.toString());
    }
  }

  private RaftClient client(List<RaftPeer> current) {
    Duration timeout = changeTimeout();
    return clientOf(current, RetryPolicies.retryUpToMaximumCountWithFixedSleep((int) (timeout.toMillis() / 100),
            TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
        .setLeaderId(peer.leaderId().map(RaftPeerId::valueOf).orElse(peer.peerId()))
        .build();
  }

  /** A Raft client of the store's group as made of {@code peers}, with this peer's transport settings. */
  private RaftClient.Builder clientOf(List<RaftPeer> peers, RetryPolicy retry) {
    return RaftClient.newBuilder()
        .setProperties(peer.clientProperties())
        .setParameters(peer.clientParameters())
        .setRaftGroup(RaftGroup.valueOf(RaftStorePeer.GROUP_ID, peers))
        .setRetryPolicy(retry);
  }

  /** A change waits for a new member to catch up, which takes longer than one request. */
  private Duration changeTimeout() {
    return peer.config().tuning().requestTimeout().multipliedBy(3);
  }

  private static MembershipException changeFailed(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof ReconfigurationInProgressException) {
        return new MembershipException(MembershipException.Reason.UNAVAILABLE,
            "another membership change is in progress; try again once it is done", failure);
      }
      if (cause instanceof SetConfigurationException) {
        return new MembershipException(MembershipException.Reason.UNAVAILABLE,
            "the membership changed meanwhile or the change failed; list the members and try again ("
                + cause.getMessage() + ")", failure);
      }
    }
    return unavailable("the membership change did not complete", failure);
  }

  private static MembershipException unavailable(String what, Throwable cause) {
    return new MembershipException(MembershipException.Reason.UNAVAILABLE, what + ": " + cause, cause);
  }
}
