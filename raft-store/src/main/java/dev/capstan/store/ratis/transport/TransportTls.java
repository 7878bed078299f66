package dev.capstan.store.ratis.transport;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * Mutual TLS on every connection of the transport: a server presents {@code certificate} and
 * takes only clients whose certificate chains to one of {@code trustedCas}; a client presents the
 * same certificate and takes only a server whose certificate chains to them and names the host it
 * dialled. Netty picks its OpenSSL engine when it is on the class path, as the apiserver's TLS does.
 */
public final class TransportTls {

  private final SslContext server;
  private final SslContext client;

  public TransportTls(PrivateKey key, X509Certificate certificate, List<X509Certificate> trustedCas) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(certificate, "certificate");
    X509Certificate[] cas = trustedCas.toArray(X509Certificate[]::new);
    try {
      this.server = SslContextBuilder.forServer(key, certificate)
          .trustManager(cas)
          .clientAuth(ClientAuth.REQUIRE)
          .build();
      this.client = SslContextBuilder.forClient()
          .keyManager(key, certificate)
          .trustManager(cas)
          .build();
    } catch (SSLException e) {
      throw new UncheckedIOException("the Raft transport's TLS cannot be set up: " + e.getMessage(), e);
    }
  }

  SslHandler serverHandler(ByteBufAllocator alloc) {
    return server.newHandler(alloc);
  }

  /** A client's TLS toward {@code address}, checking that the server's certificate names its host. */
  SslHandler clientHandler(ByteBufAllocator alloc, InetSocketAddress address) {
    SslHandler handler = client.newHandler(alloc, address.getHostString(), address.getPort());
    SSLEngine engine = handler.engine();
    SSLParameters parameters = engine.getSSLParameters();
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    engine.setSSLParameters(parameters);
    return handler;
  }
}
