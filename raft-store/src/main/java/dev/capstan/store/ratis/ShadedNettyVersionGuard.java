package dev.capstan.store.ratis;

import java.io.IOException;
import java.lang.reflect.Field;
import java.net.URL;
import java.util.Collections;
import java.util.Enumeration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps Ratis' shaded gRPC from misjudging the version of its own shaded Netty.
 *
 * <p>The shaded {@code GrpcHttp2ConnectionHandler} picks how it merges inbound buffers from the
 * Netty version it finds in {@code META-INF/io.netty.versions.properties}. The shading keeps that
 * resource name, so with the project's own (unshaded) Netty 4.1.110 on the class path it reads
 * 4.1.110, takes the pre-4.1.111 code path for the 4.1.115 it really runs on, and corrupts HTTP/2
 * frames after a few megabytes: requests and replies stall or fail with "Encountered end-of-stream
 * mid-frame". Initializing that class while the versions file is hidden makes it assume a current
 * Netty, which is the truth for ratis-thirdparty 1.0.8. Must run before any Ratis gRPC channel or
 * server is built; {@link #apply()} is idempotent.
 */
final class ShadedNettyVersionGuard {

  private static final Logger LOG = LoggerFactory.getLogger(ShadedNettyVersionGuard.class);
  private static final String VERSIONS_RESOURCE = "META-INF/io.netty.versions.properties";
  private static final String HANDLER = "org.apache.ratis.thirdparty.io.grpc.netty.GrpcHttp2ConnectionHandler";
  private static final String FLAG = "usingPre4_1_111_Netty";

  private ShadedNettyVersionGuard() {}

  /** Initializes the shaded handler class with the versions file hidden (once per JVM). */
  static void apply() {
    Holder.touch();
  }

  private static final class Holder {
    static {
      initializeWithoutVersionsFile();
    }

    static void touch() {}
  }

  private static void initializeWithoutVersionsFile() {
    Thread thread = Thread.currentThread();
    ClassLoader original = thread.getContextClassLoader();
    ClassLoader loader = ShadedNettyVersionGuard.class.getClassLoader();
    thread.setContextClassLoader(new ClassLoader(loader) {
      @Override
      public Enumeration<URL> getResources(String name) throws IOException {
        return VERSIONS_RESOURCE.equals(name) ? Collections.emptyEnumeration() : super.getResources(name);
      }
    });
    try {
      Class<?> handler = Class.forName(HANDLER, true, loader);
      Field flag = handler.getDeclaredField(FLAG);
      flag.setAccessible(true);
      if (flag.getBoolean(null)) {
        LOG.warn("Ratis' shaded gRPC was initialized before the store could guard it and assumes Netty "
            + "older than 4.1.111; Raft traffic may be corrupted. Align the project's Netty version with "
            + "ratis-thirdparty's.");
      }
    } catch (ClassNotFoundException e) {
      LOG.debug("No shaded gRPC handler {} on the class path; nothing to guard", HANDLER);
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.debug("Could not verify the shaded gRPC Netty version flag", e);
    } finally {
      thread.setContextClassLoader(original);
    }
  }
}
