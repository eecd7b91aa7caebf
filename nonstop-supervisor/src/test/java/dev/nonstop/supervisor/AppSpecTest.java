package dev.nonstop.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nonstop.core.Signal;
import dev.nonstop.core.config.ConfigException;
import dev.nonstop.core.config.ConfigLoader;
import dev.nonstop.supervisor.AppSpec.RolloutSpec;
import dev.nonstop.supervisor.AppSpec.StopSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The YAML of {@code stop.drain} and {@code rollout}, read by the same loader as the CLI's. */
class AppSpecTest {
  @TempDir Path dir;

  private AppSpec load(String yaml) throws IOException {
    return ConfigLoader.load(Files.writeString(dir.resolve("app.yaml"), "command: [sleep, '1000']\n" + yaml), AppSpec.class);
  }

  @Test
  void drainAndRolloutHaveSafeDefaults() throws IOException {
    AppSpec a = load("");
    assertThat(a.stop()).isEqualTo(new StopSpec(Signal.TERM, Duration.ofSeconds(30), Duration.ofSeconds(30)));
    assertThat(a.stop()).isEqualTo(new StopSpec(null, null)); // the two-argument form defaults drain
    assertThat(a.rollout()).isEqualTo(new RolloutSpec(1, 0, Duration.ofSeconds(60))).isEqualTo(RolloutSpec.DEFAULT);
    assertThat(AppSpec.of("x", List.of("true")).rollout()).isEqualTo(RolloutSpec.DEFAULT);
  }

  @Test
  void anAppOnFixedPortsIsReloadedInPlaceUnlessItsRolloutSaysOtherwise() throws IOException {
    assertThat(load("port: 9001\n").rollout()).isEqualTo(RolloutSpec.IN_PLACE).isEqualTo(new RolloutSpec(0, 1, null));
    assertThat(load("port: 0\n").rollout()).isEqualTo(RolloutSpec.DEFAULT);
    assertThat(load("port: 9001\nrollout: {max_surge: 1}\n").rollout()).isEqualTo(RolloutSpec.DEFAULT);
  }

  @Test
  void drainAndRolloutAreReadFromYaml() throws IOException {
    AppSpec a = load("stop: {drain: 5s}\nrollout: {max_surge: 0, max_unavailable: 2, ready_timeout: 90s}\n");
    assertThat(a.stop().drain()).isEqualTo(Duration.ofSeconds(5));
    assertThat(a.rollout()).isEqualTo(new RolloutSpec(0, 2, Duration.ofSeconds(90)));
  }

  @Test
  void aRolloutThatCouldNeverReplaceAnythingIsRefused() {
    assertThatThrownBy(() -> load("rollout: {max_surge: 0, max_unavailable: 0}\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("rollout")
        .hasMessageContaining("max_surge: 0 and max_unavailable: 0 (expected: max_surge + max_unavailable >= 1)");
    assertThatThrownBy(() -> new RolloutSpec(-1, 1, null)).hasMessage("max_surge: -1 (expected: >= 0)");
    assertThatThrownBy(() -> new RolloutSpec(1, -1, null)).hasMessage("max_unavailable: -1 (expected: >= 0)");
    assertThatThrownBy(() -> new RolloutSpec(1, 0, Duration.ZERO)).hasMessage("ready_timeout: 0ms (expected: > 0)");
    assertThatThrownBy(() -> new StopSpec(null, null, Duration.ofSeconds(-1))).hasMessage("drain: -1000ms (expected: >= 0)");
  }
}
