package dev.capstan.store.ratis;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import org.junit.jupiter.api.Test;

class ShadedNettyVersionGuardTest {

  @Test
  void ratisShadedGrpcKnowsItRunsOnCurrentNetty() throws Exception {
    ShadedNettyVersionGuard.apply();
    Class<?> handler = Class.forName("org.apache.ratis.thirdparty.io.grpc.netty.GrpcHttp2ConnectionHandler");
    Field flag = handler.getDeclaredField("usingPre4_1_111_Netty");
    flag.setAccessible(true);
    assertThat(flag.getBoolean(null))
        .as("shaded gRPC must not take the pre-4.1.111 buffer path for its 4.1.115 Netty")
        .isFalse();
  }
}
