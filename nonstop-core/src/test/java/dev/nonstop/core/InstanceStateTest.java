package dev.nonstop.core;

import static dev.nonstop.core.InstanceState.BACKOFF;
import static dev.nonstop.core.InstanceState.DRAINING;
import static dev.nonstop.core.InstanceState.EXITED;
import static dev.nonstop.core.InstanceState.FATAL;
import static dev.nonstop.core.InstanceState.NOT_READY;
import static dev.nonstop.core.InstanceState.READY;
import static dev.nonstop.core.InstanceState.RUNNING;
import static dev.nonstop.core.InstanceState.STARTING;
import static dev.nonstop.core.InstanceState.STOPPED;
import static dev.nonstop.core.InstanceState.STOPPING;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class InstanceStateTest {
  @Test
  void theEdgesAreExactlyTheOnesDocumentedOnTheEnum() throws Exception {
    // The Javadoc table is the contract other parts read; the code must say the same.
    String src = Files.readString(Path.of("src/main/java/dev/nonstop/core/InstanceState.java"));
    String table = src.substring(src.indexOf("<pre>"), src.indexOf("</pre>"));
    Set<String> documented = new java.util.TreeSet<>();
    Matcher line = Pattern.compile("\\* ([A-Z_, ]+?)\\s+-&gt; ([A-Z_| ]+?)\\s{2,}").matcher(table);
    while (line.find()) {
      for (String from : line.group(1).split(",")) {
        for (String to : line.group(2).split("\\|")) {
          documented.add(from.trim() + "->" + to.trim());
        }
      }
    }
    Set<String> actual = new java.util.TreeSet<>();
    for (InstanceState from : InstanceState.values()) {
      for (InstanceState to : from.successors()) {
        actual.add(from + "->" + to);
      }
    }
    assertThat(actual).isEqualTo(documented);
  }

  @Test
  void everyStateIsReachableFromStoppedAndCanGetBackToIt() {
    for (InstanceState s : InstanceState.values()) {
      assertThat(reachable(STOPPED)).as("from STOPPED").contains(s);
      assertThat(reachable(s)).as("from %s", s).contains(STOPPED);
    }
  }

  @Test
  void onlyReadyTakesTraffic() {
    assertThat(EnumSet.allOf(InstanceState.class).stream().filter(InstanceState::isReady)).containsExactly(READY);
  }

  @Test
  void statesWithAProcessAreTheOnesAProcessCanExitFrom() {
    for (InstanceState s : InstanceState.values()) {
      boolean exitsFromHere = s.canBecome(EXITED) || s == STOPPING || s == STARTING;
      assertThat(s.hasProcess()).as("%s", s).isEqualTo(exitsFromHere);
    }
  }

  @Test
  void aFailedOrStoppedInstanceOnlyMovesOnWhenToldOrAfterItsBackoff() {
    assertThat(FATAL.successors()).containsExactlyInAnyOrder(STARTING, STOPPED);
    assertThat(BACKOFF.successors()).containsExactlyInAnyOrder(STARTING, STOPPED);
    assertThat(STOPPED.successors()).containsExactlyInAnyOrder(STARTING, BACKOFF);
    assertThat(STOPPING.successors()).containsExactly(STOPPED);
    assertThat(RUNNING.canBecome(NOT_READY)).as("not ready yet is RUNNING, not NOT_READY").isFalse();
    assertThat(READY.canBecome(NOT_READY)).isTrue();
    assertThat(NOT_READY.canBecome(READY)).isTrue();
  }

  @Test
  void onlyAnInstanceThatWasReadyDrainsAndADrainingOneEndsStoppedOrExited() {
    Set<InstanceState> into = EnumSet.noneOf(InstanceState.class);
    for (InstanceState s : InstanceState.values()) {
      if (s.canBecome(DRAINING)) {
        into.add(s);
      }
    }
    // Never READY means no traffic: STARTING and RUNNING stop without draining.
    assertThat(into).containsExactlyInAnyOrder(READY, NOT_READY);
    // Probes must not bring it back: the registry has already dropped it.
    assertThat(DRAINING.successors()).containsExactlyInAnyOrder(STOPPING, EXITED);
    assertThat(DRAINING.hasProcess()).isTrue();
    assertThat(DRAINING.isReady()).isFalse();
  }

  private static Set<InstanceState> reachable(InstanceState from) {
    Set<InstanceState> seen = EnumSet.noneOf(InstanceState.class);
    Deque<InstanceState> todo = new ArrayDeque<>(from.successors());
    while (!todo.isEmpty()) {
      InstanceState s = todo.pop();
      if (seen.add(s)) {
        todo.addAll(s.successors());
      }
    }
    return seen;
  }
}
