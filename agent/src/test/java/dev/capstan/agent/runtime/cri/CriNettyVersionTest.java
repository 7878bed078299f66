package dev.capstan.agent.runtime.cri;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.handler.codec.http2.Http2FrameCodec;
import java.io.File;
import java.io.InputStream;
import java.util.Properties;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * Netty's epoll transport only works with the very Netty version grpc-netty runs on; the parent
 * pom's netty BOM keeps them equal, and this test notices if a dependency change does not. Each
 * version is read from the jar that holds the class (Netty's merged {@code Version.identify()}
 * also sees the properties of Ratis' shaded Netty, a different version).
 */
class CriNettyVersionTest {
  @Test
  void theEpollTransportIsLoadableAndMatchesGrpcNettysNetty() throws Exception {
    String epoll = versionIn(EpollDomainSocketChannel.class, "netty-transport-classes-epoll");
    String http2 = versionIn(Http2FrameCodec.class, "netty-codec-http2");
    assertThat(epoll).isNotNull().isEqualTo(http2);
    assertThat(Epoll.isAvailable()).as(String.valueOf(Epoll.unavailabilityCause())).isTrue();
  }

  private static String versionIn(Class<?> type, String artifact) throws Exception {
    File jar = new File(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    try (JarFile file = new JarFile(jar);
        InputStream in = file.getInputStream(file.getJarEntry("META-INF/io.netty.versions.properties"))) {
      Properties p = new Properties();
      p.load(in);
      return p.getProperty(artifact + ".version");
    }
  }
}
