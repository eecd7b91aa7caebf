package dev.nonstop.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the supervisor refuses before anything starts, and how targets resolve. */
class SupervisorTest {
  @TempDir Path dir;

  private AppSpec app(String name, String... deps) {
    AppSpec a = AppSpec.of(name, List.of("true")).withLogs(new AppSpec.LogSpec(dir, null, null));
    return new AppSpec(a.name(), a.command(), a.directory(), a.env(), a.instances(), a.port(), a.autorestart(),
        a.startsecs(), a.startretries(), a.backoff(), a.stop(), a.health(), a.maxMemory(), a.logs(), List.of(deps));
  }

  @Test
  void rejectsDuplicateNamesUnknownDependenciesAndCycles() {
    assertThatThrownBy(() -> Supervisor.create(List.of(app("a"), app("a")), new SimpleMeterRegistry()))
        .hasMessage("app: 'a' (expected: each name once)");
    assertThatThrownBy(() -> Supervisor.create(List.of(app("a", "b")), new SimpleMeterRegistry()))
        .hasMessage("a.depends_on: 'b' (expected: one of [a])");
    assertThatThrownBy(() -> Supervisor.create(List.of(app("a", "b"), app("b", "c"), app("c", "a")), new SimpleMeterRegistry()))
        .hasMessage("depends_on: cycle a -> b -> c -> a");
  }

  @Test
  void targetsNameAnAppOrOneInstance() {
    try (Supervisor s = Supervisor.create(List.of(app("web").withInstances(3)), new SimpleMeterRegistry())) {
      assertThat(s.resolve("web")).extracting(Object::toString).containsExactly("web:0", "web:1", "web:2");
      assertThat(s.resolve("web:2")).extracting(Object::toString).containsExactly("web:2");
      assertThatThrownBy(() -> s.resolve("web:3")).isInstanceOf(NoSuchElementException.class)
          .hasMessage("'web:3': no such instance (expected: web:0 to web:2)");
      assertThatThrownBy(() -> s.resolve("db")).hasMessage("'db': no such app (expected one of: web)");
      assertThat(s.status()).allSatisfy(i -> assertThat(i.state()).hasToString("STOPPED"));
    }
  }

  @Test
  void reloadRefusesWhatItCannotChangeBeforeAnythingRuns() {
    AppSpec web = app("web").withInstances(2);
    try (Supervisor s = Supervisor.create(List.of(web), new SimpleMeterRegistry())) {
      assertThatThrownBy(() -> s.reload("web", web.withInstances(3), line -> { }))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("web.instances: 3 (expected: 2; a reload cannot change the number of instances yet)");
      assertThatThrownBy(() -> s.reload("web", web.withName("api"), line -> { }))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("newSpec: app 'api' (expected: 'web', the app reloaded)");
      assertThatThrownBy(() -> s.reload("web", web.withLogs(new AppSpec.LogSpec(dir.resolve("elsewhere"), null, null)), line -> { }))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("web.logs: ");
      assertThatThrownBy(() -> s.reload("db", null, line -> { })).isInstanceOf(NoSuchElementException.class)
          .hasMessage("'db': no such app (expected one of: web)");
      assertThatThrownBy(() -> s.reload("web", null, line -> { })).isInstanceOf(IllegalStateException.class)
          .hasMessage("reload of web: the supervisor has not started");
    }
  }
}
