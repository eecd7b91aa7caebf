package dev.nonstop.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {
  @ParameterizedTest(name = "{0} = {1} ms")
  @CsvSource({
    "100ms, 100",
    "2s, 2000",
    "1.5s, 1500",
    "5m, 300000",
    "1h, 3600000",
    "1d, 86400000",
    "1m30s, 90000",
    "1h1m1s, 3661000",
    "1, 1000",
    "0.25, 250",
    "0, 0",
    "' 2S ', 2000",
  })
  void parsesUnitsAndBareSeconds(String text, long millis) {
    assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
  }

  @Test
  void keepsNanoseconds() {
    assertThat(Durations.parse("10ns")).isEqualTo(Duration.ofNanos(10));
    assertThat(Durations.parse("3µs")).isEqualTo(Duration.ofNanos(3000));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "-1s", "s", "5 parsecs", "1.2.3s", "10x", "1e3", "ms5"})
  void refusesAnythingElseNamingTheValue(String text) {
    assertThatThrownBy(() -> Durations.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("'" + text + "' (expected: a duration like 100ms, 2s, 1.5s, 5m, 1h, or a number of seconds)");
  }

  @ParameterizedTest
  @ValueSource(strings = {"100ms", "2s", "1m30s", "1h", "2h0m5s", "0ms"})
  void formatReadsBack(String text) {
    Duration d = Durations.parse(text);
    assertThat(Durations.parse(Durations.format(d))).isEqualTo(d);
  }

  @Test
  void formatPicksTheShortestForm() {
    assertThat(Durations.format(Duration.ofMillis(90_000))).isEqualTo("1m30s");
    assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThat(Durations.format(Duration.ZERO)).isEqualTo("0ms");
    assertThat(Durations.format(Duration.ofHours(2))).isEqualTo("2h");
  }
}
