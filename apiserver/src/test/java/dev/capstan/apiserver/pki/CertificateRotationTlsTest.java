package dev.capstan.apiserver.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.client.ClientTls;
import dev.capstan.client.tls.CertificateRotations;
import dev.capstan.client.tls.CertifiedKey;
import dev.capstan.client.tls.SwappableKeyManager;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import io.netty.handler.ssl.OpenSsl;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Certificates renewed under a live gRPC server and client over real TLS (Netty with
 * BoringSSL, as the daemons run): a stream opened before the renewal keeps flowing on its
 * connection, and a new connection sees the new certificates on both sides, told apart by
 * serial number. The certificates start nearly spent (issued by the test CA with its clock 340
 * of 365 days back), so the rotation renews them at once instead of the test waiting.
 */
class CertificateRotationTlsTest {
  private final SecureRandom random = new SecureRandom();
  private final Clock clock = Clock.systemUTC();
  private final CertificateAuthority ca = CertificateAuthority.create("test-ca", clock, random);
  private final CertificateAuthority backdated = CertificateAuthority.fromPem(ca.toPem(),
      Clock.offset(clock, Duration.ofDays(-340)), random);
  private final HealthStatusManager health = new HealthStatusManager();
  /** The client certificate serial of each call the server took, in order. */
  private final BlockingQueue<BigInteger> clientSerialsSeen = new LinkedBlockingQueue<>();
  private Server server;
  private CertificateRotations rotations;
  private ManagedChannel before;
  private ManagedChannel after;

  @AfterEach
  void stop() {
    for (ManagedChannel c : new ManagedChannel[] {before, after}) {
      if (c != null) {
        c.shutdownNow();
      }
    }
    if (rotations != null) {
      rotations.close();
    }
    if (server != null) {
      server.shutdownNow();
    }
  }

  private static CertifiedKey serving(CertificateAuthority issuer) {
    KeyPair keys = CertificateAuthority.newKeyPair(new SecureRandom());
    return new CertifiedKey(issuer.issueServer("localhost", keys.getPublic(), List.of("localhost", "127.0.0.1")),
        keys.getPrivate());
  }

  private static CertifiedKey client(CertificateAuthority issuer) {
    KeyPair keys = CertificateAuthority.newKeyPair(new SecureRandom());
    return new CertifiedKey(issuer.issueClient(new Subject("alice", List.of()), keys.getPublic()), keys.getPrivate());
  }

  /** Records the client certificate of every call, as the apiserver's authenticator reads it. */
  private final ServerInterceptor recordClientCertificate = new ServerInterceptor() {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
        ServerCallHandler<Q, R> next) {
      try {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        clientSerialsSeen.add(((X509Certificate) session.getPeerCertificates()[0]).getSerialNumber());
      } catch (SSLPeerUnverifiedException e) {
        clientSerialsSeen.add(BigInteger.ZERO);
      }
      return next.startCall(call, headers);
    }
  };

  /** Remembers the server certificate of the connection a call went over. */
  private static final class ServerCertificateOfCall implements ClientInterceptor {
    volatile BigInteger serial;

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<R> listener, Metadata headers) {
          ClientCall<Q, R> call = this;
          super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
            @Override
            public void onHeaders(Metadata h) {
              try {
                SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
                serial = ((X509Certificate) session.getPeerCertificates()[0]).getSerialNumber();
              } catch (SSLPeerUnverifiedException e) {
                serial = BigInteger.ZERO;
              }
              super.onHeaders(h);
            }
          }, headers);
        }
      };
    }
  }

  private static ServingStatus check(Channel channel, ServerCertificateOfCall peer) {
    return HealthGrpc.newBlockingStub(ClientInterceptors.intercept(channel, peer)).withDeadlineAfter(10,
        TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance()).getStatus();
  }

  @Test
  void anOpenStreamSurvivesRenewalAndANewConnectionSeesTheNewCertificatesOnBothSides() throws Exception {
    assertThat(OpenSsl.isAvailable()).as("BoringSSL, as the daemons use").isTrue();
    CertifiedKey oldServing = serving(backdated);
    CertifiedKey oldClient = client(backdated);
    SwappableKeyManager servingKeys = new SwappableKeyManager(oldServing);
    SwappableKeyManager clientKeys = new SwappableKeyManager(oldClient);
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0),
            new ServerTls(ca, servingKeys).credentials())
        .addService(ServerInterceptors.intercept(health.getHealthService(), recordClientCertificate))
        .build().start();
    ClientTls tls = ClientTls.rotating(ca.certificatePem(), clientKeys);
    String target = "localhost:" + server.getPort();
    before = Grpc.newChannelBuilder(target, tls.credentials()).build();

    // A stream opened under the old certificates.
    BlockingQueue<ServingStatus> statuses = new LinkedBlockingQueue<>();
    ServerCertificateOfCall beforePeer = new ServerCertificateOfCall();
    HealthGrpc.newStub(ClientInterceptors.intercept(before, beforePeer)).watch(HealthCheckRequest.getDefaultInstance(),
        new StreamObserver<>() {
          @Override
          public void onNext(HealthCheckResponse r) {
            statuses.add(r.getStatus());
          }

          @Override
          public void onError(Throwable t) {
            statuses.add(ServingStatus.UNKNOWN);
          }

          @Override
          public void onCompleted() {
            statuses.add(ServingStatus.UNKNOWN);
          }
        });
    assertThat(statuses.poll(10, TimeUnit.SECONDS)).isEqualTo(ServingStatus.SERVING);
    assertThat(beforePeer.serial).isEqualTo(oldServing.certificate().getSerialNumber());
    assertThat(clientSerialsSeen.poll(10, TimeUnit.SECONDS)).isEqualTo(oldClient.certificate().getSerialNumber());

    // Both certificates are past 90 % of their life: the rotations renew them at once.
    rotations = new CertificateRotations(clock, null);
    rotations.rotate("apiserver-serving", servingKeys, current -> serving(ca));
    rotations.rotate("client:alice", clientKeys, current -> client(ca));
    await().atMost(Duration.ofSeconds(10)).until(() ->
        !servingKeys.current().equals(oldServing) && !clientKeys.current().equals(oldClient));
    CertifiedKey newServing = servingKeys.current();
    CertifiedKey newClient = clientKeys.current();

    // The open stream goes on over its connection, and so do new calls on it.
    health.setStatus("", ServingStatus.NOT_SERVING);
    assertThat(statuses.poll(10, TimeUnit.SECONDS)).isEqualTo(ServingStatus.NOT_SERVING);
    ServerCertificateOfCall samePeer = new ServerCertificateOfCall();
    assertThat(check(before, samePeer)).isEqualTo(ServingStatus.NOT_SERVING);
    assertThat(samePeer.serial).as("the open connection keeps its session")
        .isEqualTo(oldServing.certificate().getSerialNumber());
    assertThat(clientSerialsSeen.poll(10, TimeUnit.SECONDS)).isEqualTo(oldClient.certificate().getSerialNumber());

    // A new connection presents, and is presented, the new certificates.
    after = Grpc.newChannelBuilder(target, tls.credentials()).build();
    ServerCertificateOfCall newPeer = new ServerCertificateOfCall();
    assertThat(check(after, newPeer)).isEqualTo(ServingStatus.NOT_SERVING);
    assertThat(newPeer.serial).isEqualTo(newServing.certificate().getSerialNumber());
    assertThat(clientSerialsSeen.poll(10, TimeUnit.SECONDS)).isEqualTo(newClient.certificate().getSerialNumber());
    assertThat(statuses).as("the stream is still open").isEmpty();
  }
}
