package dev.nonstop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.core.InstanceEvent;
import dev.nonstop.core.InstanceId;
import dev.nonstop.core.InstanceState;
import dev.nonstop.gateway.UpstreamStatus;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventLogTest {
  private static UpstreamStatus upstream(String... serversAndStates) {
    List<UpstreamStatus.ServerStatus> servers = new java.util.ArrayList<>();
    for (int i = 0; i < serversAndStates.length; i += 2) {
      servers.add(new UpstreamStatus.ServerStatus(serversAndStates[i], 1, false, serversAndStates[i + 1], true,
          false, "", 0, false, false, 0, 0));
    }
    return new UpstreamStatus("hello", "least_conn", "closed", false, servers, "hello");
  }

  @Test
  void keepsTheNewestEntriesFirstUpToItsCapacity() {
    EventLog log = new EventLog(2);
    for (int i = 0; i < 3; i++) {
      log.onEvent(new InstanceEvent(InstanceId.parse("hello:" + i), InstanceState.STARTING, InstanceState.READY,
          "ready", 100 + i, 8000 + i, Instant.ofEpochSecond(i)));
    }
    assertThat(log.recent()).extracting(EventLog.Entry::subject).containsExactly("hello:2", "hello:1");
    assertThat(log.recent().get(0)).isEqualTo(new EventLog.Entry(Instant.ofEpochSecond(2), "hello:2", "STARTING",
        "READY", "ready"));
  }

  @Test
  void recordsServersThatJoinLeaveOrChangeAfterTheFirstLook() {
    EventLog log = new EventLog(20);
    Instant t = Instant.EPOCH;
    log.servers(List.of(upstream("127.0.0.1:1", "up", "127.0.0.1:2", "up")), t);
    assertThat(log.recent()).isEmpty();
    log.servers(List.of(upstream("127.0.0.1:1", "draining", "127.0.0.1:3", "up")), t);
    assertThat(log.recent()).extracting(e -> e.subject() + " " + e.from() + ">" + e.to()).containsExactlyInAnyOrder(
        "upstream hello 127.0.0.1:1 up>draining",
        "upstream hello 127.0.0.1:3 >up",
        "upstream hello 127.0.0.1:2 up>left");
  }
}
