package dev.nonstop.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@code run()}'s port: from {@code PORT}, 8080 when it is unset (a real bind on 8080 would be a fixed port). */
class EnginePortTest {
  @Test
  void unsetOrBlankMeans8080() {
    assertThat(Engine.port(null)).isEqualTo(8080);
    assertThat(Engine.port("")).isEqualTo(8080);
    assertThat(Engine.port("  ")).isEqualTo(8080);
  }

  @Test
  void aNumberIsTakenAsIs() {
    assertThat(Engine.port(" 9001 ")).isEqualTo(9001);
    assertThat(Engine.port("0")).isZero();
  }

  @Test
  void anythingElseIsAClearError() {
    assertThatThrownBy(() -> Engine.port("http")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("PORT: 'http' (expected: 0-65535)");
  }
}
