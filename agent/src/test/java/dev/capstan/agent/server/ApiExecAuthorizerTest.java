package dev.capstan.agent.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.apiserver.ApiServer;
import dev.capstan.apiserver.authn.TokenAuthenticator;
import dev.capstan.apiserver.authn.TokenFile;
import dev.capstan.client.CapstanClient;
import dev.capstan.store.local.LocalKeyValueStore;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The agent asks a real apiserver with authentication on whether a forwarded caller may exec. */
class ApiExecAuthorizerTest {
  private static final String TOKENS = """
      admin-token,admin,0,"system:masters"
      alice-token,alice,1001,"dev"
      node-token,system:node:n1,n1,"system:nodes"
      """;
  private LocalKeyValueStore store;
  private ApiServer server;
  private CapstanClient asNode;

  @BeforeEach
  void start() {
    store = new LocalKeyValueStore();
    server = ApiServer.start(store, ApiServer.Config.defaults().withPort(0).withBindAddress("127.0.0.1")
        .withAuthentication(new TokenAuthenticator(TokenFile.parse(TOKENS))));
    asNode = CapstanClient.connect("127.0.0.1:" + server.port(), "node-token");
  }

  @AfterEach
  void stop() {
    asNode.close();
    server.close();
    store.close();
  }

  @Test
  void theCallersOwnTokenDecidesNotTheNodes() {
    ApiExecAuthorizer authorizer = new ApiExecAuthorizer(asNode);
    assertThat(authorizer.denial(Optional.of("admin-token"), "default", "web")).isEmpty();
    assertThat(authorizer.denial(Optional.of("alice-token"), "default", "web")).hasValueSatisfying(reason ->
        assertThat(reason).contains("alice").contains("pods/exec"));
    assertThatThrownBy(() -> authorizer.denial(Optional.empty(), "default", "web"))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
  }
}
