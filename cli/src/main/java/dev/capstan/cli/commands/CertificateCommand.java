package dev.capstan.cli.commands;

import com.google.protobuf.ByteString;
import dev.capstan.api.certificates.v1.CertificateSigningGrpc;
import dev.capstan.api.certificates.v1.CertificateSigningRequest;
import dev.capstan.api.certificates.v1.CertificateSigningResponse;
import dev.capstan.apiserver.pki.CertificateAuthority;
import dev.capstan.apiserver.pki.CertificateRequests;
import dev.capstan.apiserver.pki.Pem;
import dev.capstan.apiserver.pki.Subject;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.ClientTls;
import dev.capstan.client.config.ClientConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code capstan certificate create USER --group G --output FILE}: a client certificate for a
 * user (CN = USER, O = each group) from the cluster CA, written with its new key into a client
 * config of its own for that user (same servers and CA, no token). The key is made here and never
 * leaves this machine; the server signs a request for it, which only a caller allowed to approve
 * for the client signer may ask (cluster admins).
 */
@Command(name = "certificate", description = "Issue client certificates from the cluster CA, and store members'"
    + " certificates for TLS between them.",
    subcommands = {CertificateCommand.Create.class, PeerCertificateCommand.class})
public final class CertificateCommand {

  @Command(name = "create", description = "Issue a user a client certificate and write a client config holding it.")
  public static final class Create implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(paramLabel = "USER", description = "the user name (the certificate's CN)")
    String user;

    @Option(names = "--group", description = "a group of the user (the certificate's O); repeat for several")
    List<String> groups = new ArrayList<>();

    @Option(names = {"-o", "--output"}, required = true, description = "the client config to write for the user")
    Path output;

    @Override
    public Integer call() {
      if (user.isBlank()) {
        throw new CliException("USER: must not be empty");
      }
      ClientTls tls = client.tls();
      if (tls == null) {
        throw new CliException("the client config has no certificate-authority-data: the cluster's API has no TLS,"
            + " or pass --certificate-authority");
      }
      KeyPair keys = CertificateAuthority.newKeyPair(new SecureRandom());
      CertificateSigningResponse signed;
      try (CapstanClient c = client.connect()) {
        signed = CertificateSigningGrpc.newBlockingStub(c.channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
            .sign(CertificateSigningRequest.newBuilder().setRequest(ByteString.copyFrom(
                CertificateRequests.create(new Subject(user, groups), keys), StandardCharsets.US_ASCII)).build());
      }
      ClientTls issued = new ClientTls(signed.getCa().toString(StandardCharsets.US_ASCII),
          signed.getCertificate().toString(StandardCharsets.US_ASCII), Pem.privateKey(keys.getPrivate()));
      ClientConfig.single(client.config().currentContext(), List.of(client.serverAddress().split(",")), null, issued).save(output);
      System.out.println("certificate for user \"" + user + "\"" + (groups.isEmpty() ? "" : " in " + groups)
          + " written with its key to " + output);
      return 0;
    }
  }
}
