package dev.nonstop.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HostPortTest {
  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "127.0.0.1:9090, 127.0.0.1, 9090",
    "localhost:0, localhost, 0",
    "[::1]:9090, ::1, 9090",
    "[2001:db8::1]:65535, 2001:db8::1, 65535",
    "api.internal:1, api.internal, 1",
  })
  void splitsHostAndPortAndPrintsTheSameForm(String text, String host, int port) {
    HostPort a = HostPort.parse(text);

    assertThat(a).isEqualTo(new HostPort(host, port));
    assertThat(a).hasToString(text);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"localhost", "::1:9090", "[::1]9090", "[::1]", ":80", "host:", "host:65536",
      "host:-1", "host:80a", "host:123456", " :80"})
  void refusesWhatIsNotHostColonPort(String text) {
    assertThatThrownBy(() -> HostPort.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("'" + text + "' (expected: HOST:PORT like 127.0.0.1:9090 or [::1]:9090, port 0-65535)");
  }

  @ParameterizedTest
  @ValueSource(ints = {-1, 65536})
  void refusesPortsOutOfRange(int port) {
    assertThatThrownBy(() -> new HostPort("h", port))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("port: " + port + " (expected: 0-65535)");
  }
}
