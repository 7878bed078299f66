package dev.capstan.apiserver.pki;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.client.CapstanClient;
import dev.capstan.client.ClientTls;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * gRPC encrypts through Netty's OpenSSL engine (BoringSSL, AES-NI) rather than the JDK's AES-GCM,
 * which is slow without C2 (the launcher runs C1 only). Proven on a real TLS call between a server
 * given the apiserver's credentials ({@link ServerTls}) and a {@link CapstanClient} with
 * {@link ClientTls}, built as Capstan builds them: both ends' TLS sessions must be OpenSSL's.
 */
class NativeTlsTest {
  /** Netty's OpenSSL sessions (ReferenceCountedOpenSslEngine's, ExtendedOpenSslSession); the JDK's live in sun.security.ssl. */
  private static final String OPENSSL_SESSION = "io\\.netty\\.handler\\.ssl\\..*OpenSsl.*";

  @Test
  void aCallBetweenCapstansServerAndClientRunsOnTheOpenSslEngineAtBothEnds(@TempDir Path dir) throws Exception {
    // The build ships BoringSSL for linux-x86_64 only; elsewhere gRPC falls back to the JDK.
    Assumptions.assumeTrue(System.getProperty("os.name").equals("Linux")
        && System.getProperty("os.arch").matches("amd64|x86_64"));
    SecureRandom random = new SecureRandom();
    CertificateAuthority ca = CertificateAuthority.create("test-ca", Clock.systemUTC(), random);
    TlsIdentity serving = ServingCertificate.ensure(dir, ca, ServingCertificate.names(List.of()), Clock.systemUTC(),
        random);
    AtomicReference<SSLSession> serverSession = new AtomicReference<>();
    AtomicReference<SSLSession> clientSession = new AtomicReference<>();
    HealthStatusManager health = new HealthStatusManager();
    // As ApiServer builds its server.
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0),
            new ServerTls(ca, serving).credentials())
        .addService(ServerInterceptors.intercept(health.getHealthService(), recordServerSession(serverSession)))
        .build().start();
    try (CapstanClient client = CapstanClient.connect("127.0.0.1:" + server.getPort(), null,
        ClientTls.serverOnly(ca.certificatePem()))) {
      Channel channel = ClientInterceptors.intercept(client.channel(), recordClientSession(clientSession));
      HealthCheckResponse answer = HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance());
      assertThat(answer.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    } finally {
      server.shutdownNow().awaitTermination();
    }
    assertThat(serverSession.get()).as("the server's TLS session").isNotNull();
    assertThat(serverSession.get().getClass().getName()).as("the server's TLS engine").matches(OPENSSL_SESSION);
    assertThat(clientSession.get()).as("the client's TLS session").isNotNull();
    assertThat(clientSession.get().getClass().getName()).as("the client's TLS engine").matches(OPENSSL_SESSION);
    assertThat(serverSession.get().getProtocol()).isEqualTo("TLSv1.3");
  }

  private static ServerInterceptor recordServerSession(AtomicReference<SSLSession> session) {
    return new ServerInterceptor() {
      @Override
      public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
          ServerCallHandler<Q, A> next) {
        session.set(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        return next.startCall(call, headers);
      }
    };
  }

  /** Records the session the call ran on once the server's headers arrive (the transport is known by then). */
  private static ClientInterceptor recordClientSession(AtomicReference<SSLSession> session) {
    return new ClientInterceptor() {
      @Override
      public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
        ClientCall<Q, A> call = next.newCall(method, options);
        return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
          @Override
          public void start(Listener<A> listener, Metadata headers) {
            super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
              @Override
              public void onHeaders(Metadata received) {
                session.set(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
                super.onHeaders(received);
              }
            }, headers);
          }
        };
      }
    };
  }
}
