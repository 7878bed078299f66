package dev.capstan.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.ssl.OpenSsl;
import org.junit.jupiter.api.Test;

/**
 * gRPC encrypts through Netty's OpenSSL engine (BoringSSL, AES-NI) rather than the JDK's AES-GCM,
 * which is slow without C2 (the launcher runs C1 only): the engine must load on this platform.
 */
class NativeTlsTest {
  @Test
  void nettysOpenSslEngineLoads() {
    // The build ships BoringSSL for linux-x86_64 only; elsewhere gRPC falls back to the JDK.
    org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("os.name").equals("Linux")
        && System.getProperty("os.arch").matches("amd64|x86_64"));
    assertThat(OpenSsl.isAvailable()).as("OpenSSL engine unavailable: %s", OpenSsl.unavailabilityCause()).isTrue();
    assertThat(OpenSsl.isCipherSuiteAvailable("TLS_AES_128_GCM_SHA256")).isTrue();
  }
}
