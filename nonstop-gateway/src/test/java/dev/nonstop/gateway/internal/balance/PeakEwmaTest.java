package dev.nonstop.gateway.internal.balance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PeakEwmaTest {
  private static final long TAU = 1_000;

  @Test
  void startsAtZeroSoANewServerIsTriedSoon() {
    assertThat(new PeakEwma(TAU, 0).get(0)).isZero();
  }

  @Test
  void takesASlowerSampleAtOnce() {
    PeakEwma ewma = new PeakEwma(TAU, 0);
    ewma.observe(100, 10);
    ewma.observe(900, 20);

    assertThat(ewma.get(20)).isEqualTo(900);
  }

  @Test
  void lowersTowardsFasterSamplesWithTimeConstantTau() {
    PeakEwma ewma = new PeakEwma(TAU, 0);
    ewma.observe(1000, 0);
    ewma.observe(0, TAU); // one tau later: the old estimate keeps weight 1/e

    assertThat(ewma.get(TAU)).isCloseTo(1000 / Math.E, within(1e-9));
  }

  @Test
  void decaysWhileNothingIsObserved() {
    PeakEwma ewma = new PeakEwma(TAU, 0);
    ewma.observe(1000, 0);

    assertThat(ewma.get(2 * TAU)).isCloseTo(1000 / (Math.E * Math.E), within(1e-9));
    assertThat(ewma.get(-5)).as("a clock read before the last sample").isEqualTo(1000);
  }

  @Test
  void rejectsANonPositiveTau() {
    assertThatThrownBy(() -> new PeakEwma(0, 0)).hasMessage("tauNanos: 0 (expected: > 0)");
  }
}
