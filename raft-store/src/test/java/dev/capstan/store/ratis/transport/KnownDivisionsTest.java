package dev.capstan.store.ratis.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.protocol.RaftClientAsynchronousProtocol;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.RaftServerAsynchronousProtocol;
import org.junit.jupiter.api.Test;

/**
 * Which way a request goes: through Ratis' server entry point until it has served the group, then
 * to the group's division, and back through the entry point once the division fails a call.
 */
class KnownDivisionsTest {

  private final RaftGroupId group = RaftGroupId.randomId();
  private final List<String> calls = new ArrayList<>();
  private final RaftServer.Division division = (RaftServer.Division) Proxy.newProxyInstance(getClass().getClassLoader(),
      new Class<?>[] {RaftServer.Division.class, RaftServerAsynchronousProtocol.class, RaftClientAsynchronousProtocol.class},
      (proxy, method, args) -> {
        throw new UnsupportedOperationException(method.getName());
      });
  private final RaftServer server = (RaftServer) Proxy.newProxyInstance(getClass().getClassLoader(),
      new Class<?>[] {RaftServer.class}, (proxy, method, args) -> {
        if (method.getName().equals("getDivision") && group.equals(args[0])) {
          return division;
        }
        throw new IOException("no division for " + args[0]);
      });
  private final KnownDivisions divisions = new KnownDivisions(server);

  private CompletableFuture<String> serve(CompletableFuture<String> divisionReply) throws IOException {
    return divisions.serve(group, s -> {
      assertThat(s).isSameAs(server);
      calls.add("proxy");
      return CompletableFuture.completedFuture("ok");
    }, d -> {
      assertThat(d).isSameAs(division);
      calls.add("division");
      return divisionReply;
    });
  }

  @Test
  void theFirstRequestOfAGroupGoesThroughTheServerAndTheNextOnesToItsDivision() throws IOException {
    serve(CompletableFuture.completedFuture("ok")).join();
    serve(CompletableFuture.completedFuture("ok")).join();
    serve(CompletableFuture.completedFuture("ok")).join();

    assertThat(calls).containsExactly("proxy", "division", "division");
  }

  @Test
  void aDivisionThatRefusesACallIsForgottenAndTheCallGoesThroughTheServer() throws IOException {
    serve(CompletableFuture.completedFuture("ok")).join();

    String reply = divisions.<String>serve(group, s -> {
      calls.add("proxy");
      return CompletableFuture.completedFuture("served by the server");
    }, d -> {
      calls.add("division");
      throw new IOException("closed");
    }).join();
    serve(CompletableFuture.completedFuture("ok")).join();

    assertThat(reply).isEqualTo("served by the server");
    assertThat(calls).containsExactly("proxy", "division", "proxy", "proxy");
  }

  @Test
  void aDivisionWhoseCallFailsIsForgotten() throws IOException {
    serve(CompletableFuture.completedFuture("ok")).join();

    CompletableFuture<String> failed = serve(CompletableFuture.failedFuture(new IOException("not ready")));
    serve(CompletableFuture.completedFuture("ok")).join();
    serve(CompletableFuture.completedFuture("ok")).join();

    assertThat(failed).isCompletedExceptionally();
    assertThat(calls).containsExactly("proxy", "division", "proxy", "division");
  }

  @Test
  void aGroupTheServerFailsIsNotLearned() throws IOException {
    // The server would hand out this group's division: only the failed call keeps it unlearned.
    for (int i = 0; i < 2; i++) {
      divisions.<String>serve(group, s -> {
        calls.add("proxy");
        return CompletableFuture.failedFuture(new IOException("group not found"));
      }, d -> {
        calls.add("division");
        return CompletableFuture.completedFuture("ok");
      });
    }

    assertThat(calls).containsExactly("proxy", "proxy");
  }
}
