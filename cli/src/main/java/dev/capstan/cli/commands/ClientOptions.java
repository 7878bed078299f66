package dev.capstan.cli.commands;

import dev.capstan.client.CapstanClient;
import dev.capstan.client.ClientTls;
import dev.capstan.client.config.ClientConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every client command shares: which config, which server, which token, which namespace. */
public final class ClientOptions {
  @Option(names = "--config", description = "client config file (default: $CAPSTAN_CONFIG or ~/.capstan/config)")
  Path config;

  @Option(names = {"-s", "--server"}, description = "API server address host:port, or several separated by commas"
      + " (the first that answers is used; overrides the config)")
  String server;

  @Option(names = "--token", description = "bearer token to authenticate with (overrides the config's)")
  String token;

  @Option(names = "--certificate-authority", description = "the cluster CA's certificate (PEM) to verify the server"
      + " with (overrides the config's; a server keeps it in <data-dir>/pki/ca.crt)")
  Path certificateAuthority;

  @Option(names = {"-n", "--namespace"}, description = "namespace (default: the context's, usually \"default\")")
  String namespace;

  private ClientConfig loaded;

  ClientConfig config() {
    if (loaded == null) {
      Path path = config != null ? config : ClientConfig.defaultPath();
      if (!Files.exists(path)) {
        if (server != null) {
          loaded = ClientConfig.single("capstan", java.util.List.of(server));
          return loaded;
        }
        throw new CliException("no client config at " + path + ": start a cluster with `capstan up`, or pass"
            + " --server HOST:PORT or --config FILE");
      }
      loaded = ClientConfig.load(path);
    }
    return loaded;
  }

  /** The namespace to use: the flag's, else the context's. */
  public String namespace() {
    return namespace != null ? namespace : config().current().namespace();
  }

  /** The server addresses to try, comma-separated: the flag's, else the config's. */
  public String serverAddress() {
    return server != null ? server : String.join(",", config().servers());
  }

  /** The token to send: the flag's, else the context's (none when neither has one). */
  public String token() {
    return token != null ? token : config().current().token();
  }

  public CapstanClient connect() {
    try {
      return CapstanClient.connect(serverAddress(), token(), tls());
    } catch (IllegalArgumentException e) {
      throw new CliException((server != null ? "--server: " : "config: ") + e.getMessage());
    }
  }

  /** TLS as the config says, with the --certificate-authority flag's CA in place of the config's. */
  ClientTls tls() {
    if (certificateAuthority == null) {
      return config().tls();
    }
    try {
      var context = config().current();
      return new ClientTls(Files.readString(certificateAuthority), context.clientCertificate(), context.clientKey());
    } catch (java.io.IOException e) {
      throw new CliException("--certificate-authority: cannot read " + certificateAuthority + ": " + e.getMessage());
    }
  }
}
