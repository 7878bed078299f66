package dev.capstan.store.ratis.transport;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.ratis.protocol.RaftClientAsynchronousProtocol;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.RaftServerAsynchronousProtocol;

/**
 * A Raft server's divisions (one per group) as the transport learns them, so that appends, read
 * indexes and client requests can go to the division directly.
 *
 * <p>Why: Ratis' server entry point ({@code RaftServerProxy}) hands each such request to a pool
 * thread and blocks the caller until that thread has submitted it, so the transport's event loop
 * waited anyway and every request paid two thread switches for nothing. Calling the division does
 * the same work on the event loop without them.
 *
 * <p>A group's division is learned only once the proxy has served a request for it (its lookup
 * through {@link RaftServer#getDivision} could otherwise block while the group is still being
 * added), and it is forgotten as soon as a direct call to it fails, so a group removed and added
 * again is learned afresh.
 */
final class KnownDivisions {

  private final RaftServer server;
  private final Map<RaftGroupId, RaftServer.Division> divisions = new ConcurrentHashMap<>();

  KnownDivisions(RaftServer server) {
    this.server = server;
  }

  /** A request's call on the proxy (a {@code RaftServer}) or on a division. */
  @FunctionalInterface
  interface Call<P, R> {
    CompletableFuture<R> on(P target) throws IOException;
  }

  /**
   * Serves a request of {@code group}: on its division when known, else through the proxy,
   * learning the division when that succeeds. {@code onDivision} gets the division itself, which
   * is known to implement {@link RaftServerAsynchronousProtocol} and {@link RaftClientAsynchronousProtocol}.
   */
  <R> CompletableFuture<R> serve(RaftGroupId group, Call<RaftServer, R> onProxy,
      Call<RaftServer.Division, R> onDivision) throws IOException {
    RaftServer.Division division = divisions.get(group);
    if (division != null) {
      CompletableFuture<R> reply;
      try {
        reply = onDivision.on(division);
      } catch (IOException e) {
        // Ratis' answer when a division is closed or not running (removed, shutting down): the
        // proxy knows what serves the group now. A write that did reach the log is not applied
        // twice: Ratis' retry cache answers the same client call with the first one's reply.
        divisions.remove(group, division);
        return onProxy.on(server);
      }
      return reply.whenComplete((r, failure) -> {
        if (failure != null) {
          divisions.remove(group, division);
        }
      });
    }
    return onProxy.on(server).whenComplete((r, failure) -> {
      if (failure == null) {
        learn(group);
      }
    });
  }

  private void learn(RaftGroupId group) {
    try {
      // The proxy has just served this group, so its division is there and this does not wait.
      RaftServer.Division division = server.getDivision(group);
      if (division instanceof RaftServerAsynchronousProtocol && division instanceof RaftClientAsynchronousProtocol) {
        divisions.putIfAbsent(group, division);
      }
    } catch (IOException e) {
      // Removed meanwhile: keep going through the proxy.
    }
  }
}
