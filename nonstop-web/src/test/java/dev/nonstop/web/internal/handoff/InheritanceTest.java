package dev.nonstop.web.internal.handoff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The environment the old process gives the new one, read back only by the process it is meant for. */
class InheritanceTest {
  private static final Inheritance BOTH = new Inheritance(Path.of("/run/user/1000/nonstop-handoff-1/handoff.sock"), 4242,
      List.of(Inheritance.MAIN, Inheritance.MANAGEMENT));

  @Test
  void theEnvironmentRoundTrips() {
    Map<String, String> env = BOTH.environment();

    assertThat(env).containsExactly(
        Map.entry("NONSTOP_HANDOFF", "/run/user/1000/nonstop-handoff-1/handoff.sock"),
        Map.entry("NONSTOP_HANDOFF_PARENT", "4242"),
        Map.entry("NONSTOP_HANDOFF_LISTENERS", "main,management"));
    assertThat(Inheritance.parse(env, 4242)).contains(BOTH);
  }

  @Test
  void noSocketMeansNoHandoff() {
    assertThat(Inheritance.parse(Map.of("PATH", "/bin"), 1)).isEmpty();
    assertThat(Inheritance.parse(Map.of("NONSTOP_HANDOFF", " "), 1)).isEmpty();
  }

  @Test
  void aHandoffMeantForAnotherProcessIsIgnored() {
    // A grandchild inherits the variables; its parent is not the one handing over.
    assertThat(Inheritance.parse(BOTH.environment(), 777)).isEmpty();
  }

  @Test
  void malformedVariablesNameTheVariableAndTheValue() {
    Map<String, String> env = new HashMap<>(BOTH.environment());
    env.put("NONSTOP_HANDOFF_PARENT", "me");
    assertThatThrownBy(() -> Inheritance.parse(env, 4242)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("NONSTOP_HANDOFF_PARENT: 'me' (expected: the pid of the process handing over)");

    env.put("NONSTOP_HANDOFF_PARENT", "4242");
    env.put("NONSTOP_HANDOFF_LISTENERS", "management,main");
    assertThatThrownBy(() -> Inheritance.parse(env, 4242)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("NONSTOP_HANDOFF_LISTENERS: 'management,main' (expected: main or main,management)");

    env.remove("NONSTOP_HANDOFF_LISTENERS");
    assertThatThrownBy(() -> Inheritance.parse(env, 4242)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("NONSTOP_HANDOFF_LISTENERS: '' (expected: main or main,management)");
  }

  @Test
  void onlyTheFirstClaimInAProcessGetsTheHandoff() {
    Map<String, String> env = new Inheritance(Path.of("/tmp/x/handoff.sock"), 9, List.of(Inheritance.MAIN)).environment();

    assertThat(Inheritance.claim(env, 9)).isPresent();
    assertThat(Inheritance.claim(env, 9)).as("a second engine binds as usual").isEmpty();
  }
}
