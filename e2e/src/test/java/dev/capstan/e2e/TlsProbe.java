package dev.capstan.e2e;

import java.io.DataOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/** Raw TLS connections to a store's Raft port, to see whom it lets in. */
final class TlsProbe {
  private TlsProbe() {}

  /**
   * Opens TLS to {@code port} trusting the CA in {@code pki} (its {@code ca.crt}), presenting the
   * certificate of member {@code member} ({@code pki/MEMBER.crt} and {@code .key}; none when
   * null), sends one Raft transport frame (a group list request with an empty body: a 4-byte
   * length, the kind's byte 9, an 8-byte call id) and reads the first byte of the server's answer.
   * A server that refuses the certificate fails the handshake instead: an SSLException from its
   * alert, or a SocketException when it has closed the connection before the client's last write.
   */
  static int firstByte(Path pki, String member, int port) throws Exception {
    CertificateFactory x509 = CertificateFactory.getInstance("X.509");
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(pki.resolve("ca.crt"))) {
      trust.setCertificateEntry("ca", x509.generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    KeyManager[] keyManagers = null;
    if (member != null) {
      KeyStore keys = KeyStore.getInstance(KeyStore.getDefaultType());
      keys.load(null, null);
      String pem = Files.readString(pki.resolve(member + ".key"));
      byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
      PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
      try (InputStream in = Files.newInputStream(pki.resolve(member + ".crt"))) {
        keys.setKeyEntry("member", key, new char[0], new Certificate[] {x509.generateCertificate(in)});
      }
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, new char[0]);
      keyManagers = kmf.getKeyManagers();
    }
    // TLS 1.2: the server decides on the client's certificate inside the handshake, so a refusal
    // is the handshake's failure. (Under TLS 1.3 it comes as an alert after the client's side of
    // the handshake is done, racing the probe's first write against the server's close.)
    SSLContext context = SSLContext.getInstance("TLSv1.2");
    context.init(keyManagers, tmf.getTrustManagers(), null);
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.setEnabledProtocols(new String[] {"TLSv1.2"});
      socket.startHandshake();
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      out.writeInt(1 + 8);
      out.writeByte(9);
      out.writeLong(1);
      out.flush();
      return socket.getInputStream().read();
    }
  }
}
