package dev.nonstop.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nonstop.core.HostPort;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class ProxyServerTest {
  @Test
  void aHandedOverListenerMustBeWhatGatewayListenNames() {
    InetSocketAddress loopback8080 = new InetSocketAddress("127.0.0.1", 8080);
    assertThat(ProxyServer.sameAddress(HostPort.parse("127.0.0.1:8080"), loopback8080)).isTrue();
    assertThat(ProxyServer.sameAddress(HostPort.parse("127.0.0.1:0"), loopback8080)).as("port 0: any").isTrue();
    assertThat(ProxyServer.sameAddress(HostPort.parse("127.0.0.1:9090"), loopback8080)).isFalse();
    assertThat(ProxyServer.sameAddress(HostPort.parse("0.0.0.0:8080"), loopback8080)).isFalse();
    assertThat(ProxyServer.sameAddress(HostPort.parse("0.0.0.0:8080"), new InetSocketAddress("::", 8080))).isTrue();
    assertThatThrownBy(() -> ProxyServer.sameAddress(HostPort.parse("no-such-host.invalid:8080"), loopback8080))
        .hasMessage("gateway.listen: cannot resolve no-such-host.invalid");
  }
}
