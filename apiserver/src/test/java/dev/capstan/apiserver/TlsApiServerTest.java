package dev.capstan.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.capstan.api.certificates.v1.CertificateSigningGrpc;
import dev.capstan.api.certificates.v1.CertificateSigningRequest;
import dev.capstan.api.certificates.v1.CertificateSigningResponse;
import dev.capstan.api.core.v1.Node;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.apiserver.authn.TokenAuthenticator;
import dev.capstan.apiserver.authn.TokenFile;
import dev.capstan.apiserver.pki.CertificateAuthority;
import dev.capstan.apiserver.pki.CertificateRequests;
import dev.capstan.apiserver.pki.CertificateSigningService;
import dev.capstan.apiserver.pki.Pem;
import dev.capstan.apiserver.pki.ServerTls;
import dev.capstan.apiserver.pki.ServingCertificate;
import dev.capstan.apiserver.pki.Subject;
import dev.capstan.apiserver.pki.TlsIdentity;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.ClientTls;
import dev.capstan.store.local.LocalKeyValueStore;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The apiserver over TLS with the cluster CA, on a real in-process store: client certificates
 * and bearer tokens authenticate side by side, a certificate from another CA gets nowhere, and a
 * bootstrap token gets a node its certificate, which NodeRestriction then limits.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsApiServerTest {
  private static final String TOKENS = """
      admin-token,admin,0,"system:masters"
      bootstrap-token,system:bootstrap:abc,b,"system:bootstrappers"
      """;
  private final SecureRandom random = new SecureRandom();
  private final List<CapstanClient> clients = new ArrayList<>();
  private LocalKeyValueStore store;
  private ApiServer server;
  private CertificateAuthority ca;
  private String target;

  @BeforeAll
  void start(@TempDir Path dir) {
    store = new LocalKeyValueStore();
    ca = CertificateAuthority.create("test-ca", Clock.systemUTC(), random);
    TlsIdentity serving = ServingCertificate.ensure(dir, ca, ServingCertificate.names(List.of()), Clock.systemUTC(),
        random);
    server = ApiServer.start(store, ApiServer.Config.defaults().withPort(0).withBindAddress("127.0.0.1")
        .withTls(new ServerTls(ca, serving)).withAuthentication(new TokenAuthenticator(TokenFile.parse(TOKENS))));
    target = "127.0.0.1:" + server.port();
  }

  @AfterAll
  void stop() {
    clients.forEach(CapstanClient::close);
    server.close();
    store.close();
  }

  private CapstanClient connect(String token, ClientTls tls) {
    CapstanClient c = CapstanClient.connect(target, token, tls);
    clients.add(c);
    return c;
  }

  private ClientTls certificateFrom(CertificateAuthority issuer, String user, List<String> groups) {
    KeyPair keys = CertificateAuthority.newKeyPair(random);
    TlsIdentity id = TlsIdentity.of(issuer.issueClient(new Subject(user, groups), keys.getPublic()), keys);
    return new ClientTls(ca.certificatePem(), id.certificatePem(), id.privateKeyPem());
  }

  private static StatusRuntimeException failure(Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      return e;
    }
    throw new AssertionError("the call succeeded");
  }

  private static Node node(String name) {
    return Node.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name)).build();
  }

  @Test
  void aClientCertificateAuthenticatesItsUserAndGroups() {
    CapstanClient admin = connect(null, certificateFrom(ca, "admin", List.of("system:masters")));
    admin.configMaps().create(dev.capstan.api.core.v1.ConfigMap.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName("by-cert")).build());
    assertThat(admin.configMaps().get("default", "by-cert").getMetadata().getName()).isEqualTo("by-cert");

    CapstanClient carol = connect(null, certificateFrom(ca, "carol", List.of()));
    StatusRuntimeException denied = failure(() -> carol.pods().list("default"));
    assertThat(denied.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(denied.getStatus().getDescription()).contains("User \"carol\"");
  }

  @Test
  void aCertificateFromAnotherCaIsRefused() {
    CertificateAuthority other = CertificateAuthority.create("test-ca", Clock.systemUTC(), random);
    CapstanClient forged = connect(null, certificateFrom(other, "admin", List.of("system:masters")));
    // The TLS handshake refuses it before any call reaches the API.
    assertThat(failure(() -> forged.pods().list("default")).getStatus().getCode())
        .isIn(Status.Code.UNAVAILABLE, Status.Code.UNAUTHENTICATED);
  }

  @Test
  void tokensStillWorkOverTlsAndNoCredentialsIsUnauthenticated() {
    assertThat(connect("admin-token", ClientTls.serverOnly(ca.certificatePem())).pods().list("default").items())
        .isNotNull();
    StatusRuntimeException none = failure(() -> connect(null, ClientTls.serverOnly(ca.certificatePem()))
        .pods().list("default"));
    assertThat(none.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(none.getStatus().getDescription()).contains("client certificate", "Bearer");
    assertThat(failure(() -> connect("admin-token", null).pods().list("default")).getStatus().getCode())
        .as("plaintext to a TLS port").isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void aBootstrapTokenGetsANodeItsCertificateAndNodeRestrictionAppliesToIt() {
    CapstanClient bootstrap = connect("bootstrap-token", ClientTls.serverOnly(ca.certificatePem()));
    assertThat(failure(() -> bootstrap.pods().list("default")).getStatus().getCode())
        .as("a bootstrap token may only ask for certificates").isEqualTo(Status.Code.PERMISSION_DENIED);
    KeyPair keys = CertificateAuthority.newKeyPair(random);
    CertificateSigningResponse signed = sign(bootstrap, new Subject("system:node:tls-a", List.of("system:nodes")), keys);
    String cert = signed.getCertificate().toString(StandardCharsets.US_ASCII);
    assertThat(signed.getCa().toString(StandardCharsets.US_ASCII)).isEqualTo(ca.certificatePem());
    CapstanClient nodeA = connect(null, new ClientTls(ca.certificatePem(), cert, Pem.privateKey(keys.getPrivate())));

    nodeA.nodes().create(node("tls-a"));
    connect("admin-token", ClientTls.serverOnly(ca.certificatePem())).nodes().create(node("tls-b"));
    Node b = nodeA.nodes().get("", "tls-b");
    StatusRuntimeException other = failure(() -> nodeA.nodes().update(b.toBuilder()
        .setMetadata(b.getMetadata().toBuilder().putLabels("x", "y")).build()));
    assertThat(other.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);

    // A node may renew its own certificate, not get another node's.
    assertThat(sign(nodeA, new Subject("system:node:tls-a", List.of("system:nodes")),
        CertificateAuthority.newKeyPair(random)).getCertificate().isEmpty()).isFalse();
    StatusRuntimeException impersonate = failure(() -> sign(nodeA,
        new Subject("system:node:tls-b", List.of("system:nodes")), CertificateAuthority.newKeyPair(random)));
    assertThat(impersonate.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(impersonate.getStatus().getDescription()).contains("only ask for a certificate for itself");
  }

  @Test
  void onlyNodeSubjectsAreSignedAndOnlyForThoseRbacAllows() {
    CapstanClient bootstrap = connect("bootstrap-token", ClientTls.serverOnly(ca.certificatePem()));
    StatusRuntimeException admin = failure(() -> sign(bootstrap, new Subject("admin", List.of("system:masters")),
        CertificateAuthority.newKeyPair(random)));
    assertThat(admin.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(admin.getStatus().getDescription()).contains("system:node:<node name>", "approve on signers");
    StatusRuntimeException masters = failure(() -> sign(bootstrap,
        new Subject("system:node:x", List.of("system:nodes", "system:masters")), CertificateAuthority.newKeyPair(random)));
    assertThat(masters.getStatus().getDescription()).contains("subject O must be exactly system:nodes");

    CapstanClient carol = connect(null, certificateFrom(ca, "carol", List.of()));
    StatusRuntimeException denied = failure(() -> sign(carol, new Subject("system:node:x", List.of("system:nodes")),
        CertificateAuthority.newKeyPair(random)));
    assertThat(denied.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(denied.getStatus().getDescription()).contains("certificatesigningrequests");
  }

  @Test
  void aClusterAdminGetsAUserACertificate() {
    CapstanClient admin = connect("admin-token", ClientTls.serverOnly(ca.certificatePem()));
    KeyPair keys = CertificateAuthority.newKeyPair(random);
    String cert = sign(admin, new Subject("dave", List.of("dev")), keys).getCertificate()
        .toString(StandardCharsets.US_ASCII);
    CapstanClient dave = connect(null, new ClientTls(ca.certificatePem(), cert, Pem.privateKey(keys.getPrivate())));
    StatusRuntimeException denied = failure(() -> dave.secrets().list("default"));
    assertThat(denied.getStatus().getDescription()).contains("User \"dave\"");
  }

  @Test
  void aNodeGetsAServingCertificateForItsOwnNameAndAddressesOnly() throws Exception {
    CapstanClient nodeC = connect(null, certificateFrom(ca, "system:node:tls-c", List.of("system:nodes")));
    Subject c = new Subject("system:node:tls-c", List.of("system:nodes"));
    X509Certificate serving = Pem.certificateOf(serve(nodeC, c, List.of("10.1.2.3", "tls-c", "localhost"))
        .getCertificate().toString(StandardCharsets.US_ASCII));
    assertThat(serving.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");  // serverAuth only
    assertThat(serving.getSubjectAlternativeNames()).extracting(san -> (Object) san.get(1))
        .containsExactlyInAnyOrder((Object) "10.1.2.3", "tls-c", "localhost");
    assertThat(Subject.of(serving.getSubjectX500Principal())).isEqualTo(c);

    StatusRuntimeException other = failure(() -> serve(nodeC, new Subject("system:node:tls-d",
        List.of("system:nodes")), List.of("10.1.2.4")));
    assertThat(other.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(other.getStatus().getDescription()).contains("only that node itself");
    CapstanClient bootstrap = connect("bootstrap-token", ClientTls.serverOnly(ca.certificatePem()));
    assertThat(failure(() -> serve(bootstrap, c, List.of("10.1.2.3"))).getStatus().getCode())
        .as("a bootstrap token gets no serving certificate").isEqualTo(Status.Code.PERMISSION_DENIED);
    StatusRuntimeException noNames = failure(() -> serve(nodeC, c, List.of()));
    assertThat(noNames.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(noNames.getStatus().getDescription()).contains("subjectAltName");
    // Names in a client certificate request, or an unknown signer, are refused by name.
    StatusRuntimeException namedClient = failure(() -> CertificateSigningGrpc.newBlockingStub(nodeC.channel())
        .sign(CertificateSigningRequest.newBuilder().setRequest(ByteString.copyFrom(CertificateRequests.create(c,
            CertificateAuthority.newKeyPair(random), List.of("10.1.2.3")), StandardCharsets.US_ASCII)).build()));
    assertThat(namedClient.getStatus().getDescription()).contains("a client certificate names no hosts");
    StatusRuntimeException signer = failure(() -> CertificateSigningGrpc.newBlockingStub(nodeC.channel())
        .sign(CertificateSigningRequest.newBuilder().setSignerName("example.com/mine").setRequest(ByteString.copyFrom(
            CertificateRequests.create(c, CertificateAuthority.newKeyPair(random)), StandardCharsets.US_ASCII)).build()));
    assertThat(signer.getStatus().getDescription()).startsWith("signerName: Unsupported value: \"example.com/mine\"");
  }

  private static CertificateSigningResponse serve(CapstanClient client, Subject subject, List<String> names) {
    return CertificateSigningGrpc.newBlockingStub(client.channel()).sign(CertificateSigningRequest.newBuilder()
        .setSignerName(CertificateSigningService.NODE_SERVING_SIGNER).setRequest(ByteString.copyFrom(
            CertificateRequests.create(subject, CertificateAuthority.newKeyPair(new SecureRandom()), names),
            StandardCharsets.US_ASCII)).build());
  }

  private static CertificateSigningResponse sign(CapstanClient client, Subject subject, KeyPair keys) {
    return CertificateSigningGrpc.newBlockingStub(client.channel()).sign(CertificateSigningRequest.newBuilder()
        .setRequest(ByteString.copyFrom(CertificateRequests.create(subject, keys), StandardCharsets.US_ASCII)).build());
  }
}
