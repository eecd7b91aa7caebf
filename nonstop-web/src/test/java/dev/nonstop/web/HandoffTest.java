package dev.nonstop.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The handoff's settings and its result type. */
class HandoffTest {
  @Test
  void theHandoffTimeoutMustBePositive() {
    assertThatThrownBy(() -> Engine.builder().handoffTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("handoffTimeout: PT0S (expected: > 0)");
    assertThatThrownBy(() -> Engine.builder().handoffTimeout(null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("handoffTimeout: null (expected: > 0)");
  }

  @Test
  void handoffIsOffAndTheTimeoutOneMinuteByDefault() {
    Engine.Builder b = Engine.builder();

    assertThat(b.settings().handoffOnHangup()).isFalse();
    assertThat(b.settings().handoffTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(b.handoffOnHangup(true).handoffTimeout(Duration.ofSeconds(5)).settings())
        .satisfies(s -> assertThat(s.handoffOnHangup()).isTrue())
        .satisfies(s -> assertThat(s.handoffTimeout()).isEqualTo(Duration.ofSeconds(5)));
  }

  @Test
  void onlyHandedOffCountsAsSuccess() {
    for (Handoff.Status s : Handoff.Status.values()) {
      assertThat(new Handoff(s, -1, Duration.ZERO, "x").succeeded()).as(s.name()).isEqualTo(s == Handoff.Status.HANDED_OFF);
    }
  }
}
