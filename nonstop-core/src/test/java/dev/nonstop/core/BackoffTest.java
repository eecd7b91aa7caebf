package dev.nonstop.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private final Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(15), 2);

  @Test
  void doublesFromTheInitialDelayUpToTheCap() {
    assertThat(b.delay(0)).isZero();
    assertThat(b.delay(1)).isEqualTo(Duration.ofMillis(100));
    assertThat(b.delay(2)).isEqualTo(Duration.ofMillis(200));
    assertThat(b.delay(8)).isEqualTo(Duration.ofMillis(12_800));
    assertThat(b.delay(9)).isEqualTo(Duration.ofSeconds(15));
    assertThat(b.delay(10_000)).isEqualTo(Duration.ofSeconds(15));
  }

  @Property
  void neverShrinksAndNeverPassesTheCap(@ForAll @IntRange(min = 1, max = 5000) int attempt) {
    assertThat(b.delay(attempt)).isLessThanOrEqualTo(b.max()).isGreaterThanOrEqualTo(b.delay(attempt - 1));
  }

  @Test
  void rejectsNonsense() {
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 2))
        .hasMessage("max: PT1S (expected: >= initial PT2S)");
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 0.5))
        .hasMessage("multiplier: 0.5 (expected: >= 1)");
  }
}
