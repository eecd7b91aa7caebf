package dev.nonstop.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PathsTest {
  @ParameterizedTest
  @CsvSource({
      "/a/b?x=1, /a/b",
      "/, /",
      "http://host:8080/a?q, /a",
      "http://host, /",
      "http://host?q=1, /",
      "*, *",
  })
  void pathOfEveryRequestTargetForm(String uri, String path) {
    assertThat(Paths.path(uri)).isEqualTo(path);
  }

  @ParameterizedTest
  @CsvSource({
      "/api/users?x=1, /api/, /users?x=1",
      "/api/, /api/, /",
      "/api, /api, /",
      "/api?x, /api, /?x",
      "/api/v1, /api, /v1",
      "/other, /api/, /other",
  })
  void stripPrefixKeepsALeadingSlash(String uri, String prefix, String stripped) {
    assertThat(Paths.strip(uri, prefix)).isEqualTo(stripped);
  }

  @ParameterizedTest
  @CsvSource({"garbage", "mailto:x"})
  void aTargetThatIsNoFormHasNoPath(String uri) {
    assertThat(Paths.path(uri)).isNull();
  }
}
