package dev.capstan.cli.commands;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * etcdctl's {@code --cacert}, {@code --cert} and {@code --key} for the store commands that call a
 * member's etcd endpoint: with {@code --cacert} they speak TLS and verify the member against that
 * CA; {@code --cert} and {@code --key} present a client certificate (for a store started with
 * {@code --client-cert-auth}). Without them, plaintext.
 */
public final class StoreClientTlsOptions {
  static final String CA_FLAG = "--cacert";
  static final String CERT_FLAG = "--cert";
  static final String KEY_FLAG = "--key";
  /** How the store commands' messages name these flags. */
  static final StoreCallFailure.DialFlags DIAL_FLAGS = new StoreCallFailure.DialFlags(CA_FLAG, CERT_FLAG, KEY_FLAG,
      "dial https://HOST:PORT with " + CA_FLAG, "dial it as HOST:PORT without " + CA_FLAG);

  @Option(names = CA_FLAG, paramLabel = "FILE", description = "verify the store members' TLS certificates with this"
      + " CA (PEM); turns on TLS (default: plaintext)")
  Path caFile;

  @Option(names = CERT_FLAG, paramLabel = "FILE", description = "a client certificate (PEM) to present, with " + KEY_FLAG)
  Path certFile;

  @Option(names = KEY_FLAG, paramLabel = "FILE", description = "the private key of " + CERT_FLAG + " (PEM, PKCS#8)")
  Path keyFile;

  /** Whether the members are dialed with TLS. */
  boolean enabled() {
    return caFile != null;
  }

  /** Whether a client certificate is presented. */
  boolean presentsCertificate() {
    return certFile != null;
  }

  /** The credentials to dial members with, the files checked first. */
  ChannelCredentials credentials() {
    if ((certFile == null) != (keyFile == null)) {
      throw new CliException((certFile == null ? CERT_FLAG : KEY_FLAG) + ": required with "
          + (certFile == null ? KEY_FLAG : CERT_FLAG));
    }
    if (caFile == null) {
      if (certFile != null) {
        throw new CliException(CERT_FLAG + ": needs " + CA_FLAG + " (a client certificate is presented over TLS only)");
      }
      return InsecureChannelCredentials.create();
    }
    return tls(DIAL_FLAGS, caFile, certFile, keyFile);
  }

  /**
   * TLS credentials verifying the server by the CA in {@code caFile} and, if {@code certFile} is
   * given, presenting that certificate with {@code keyFile}; each file checked first, every
   * fault naming its flag (from {@code flags}).
   */
  static ChannelCredentials tls(StoreCallFailure.DialFlags flags, Path caFile, Path certFile, Path keyFile) {
    PemFlagFiles.PemFile ca = PemFlagFiles.read(flags.ca(), caFile);
    PemFlagFiles.certificates(ca);
    try {
      TlsChannelCredentials.Builder tls = TlsChannelCredentials.newBuilder().trustManager(ca.stream());
      if (certFile != null) {
        PemFlagFiles.PemFile cert = PemFlagFiles.read(flags.cert(), certFile);
        PemFlagFiles.PemFile key = PemFlagFiles.read(flags.key(), keyFile);
        PemFlagFiles.keyOf(PemFlagFiles.certificates(cert).get(0), cert, key);
        tls.keyManager(cert.stream(), key.stream());
      }
      return tls.build();
    } catch (IOException e) {
      throw new CliException(flags.ca() + ": cannot use the TLS files: " + e.getMessage());
    }
  }
}
