package dev.nonstop.supervisor;

import static dev.nonstop.core.InstanceState.DRAINING;
import static dev.nonstop.core.InstanceState.EXITED;
import static dev.nonstop.core.InstanceState.READY;
import static dev.nonstop.core.InstanceState.STARTING;
import static dev.nonstop.core.InstanceState.STOPPED;
import static dev.nonstop.core.InstanceState.STOPPING;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.core.InstanceEvent;
import dev.nonstop.core.InstanceId;
import dev.nonstop.core.InstanceState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file of running process groups, fed by events only. */
class LeftoversTest {
  // Above Linux's largest pid_max (2^22): no such process, so no start time (0).
  private static final long OLD = 9_000_001;
  private static final long NEW = 9_000_002;
  private static final InstanceId HELLO_0 = new InstanceId("hello", 0);

  @TempDir Path dir;

  private static InstanceEvent event(InstanceState from, InstanceState to, long pid, int port) {
    return new InstanceEvent(HELLO_0, from, to, "test", pid, port, Instant.now());
  }

  @Test
  void bothProcessesOfAReloadedInstanceAreRememberedAndForgottenApart() throws IOException {
    Path file = dir.resolve("running");
    Leftovers l = new Leftovers(file);
    l.onEvent(event(STOPPED, STARTING, OLD, 9001));
    l.onEvent(event(STARTING, READY, OLD, 9001));
    l.onEvent(event(STOPPED, STARTING, NEW, 9101)); // the reload's new process, same instance
    assertThat(Files.readAllLines(file)).containsExactly("hello:0 " + OLD + " 0", "hello:0 " + NEW + " 0");

    l.onEvent(event(READY, DRAINING, OLD, 9001));
    l.onEvent(event(DRAINING, STOPPING, OLD, 9001));
    l.onEvent(event(STOPPING, STOPPED, OLD, 9001)); // names the pid that stopped
    assertThat(Files.readAllLines(file)).containsExactly("hello:0 " + NEW + " 0");

    l.onEvent(event(STOPPED, STARTING, -1, 9201)); // could not spawn: no pid, nothing to forget
    assertThat(Files.readAllLines(file)).containsExactly("hello:0 " + NEW + " 0");
    l.onEvent(event(READY, EXITED, NEW, 9101));
    assertThat(Files.readAllLines(file)).isEmpty();
  }
}
