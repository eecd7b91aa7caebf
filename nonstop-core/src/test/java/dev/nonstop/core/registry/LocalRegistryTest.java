package dev.nonstop.core.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.core.InstanceEvent;
import dev.nonstop.core.InstanceId;
import dev.nonstop.core.InstanceState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LocalRegistryTest {
  private final LocalRegistry registry = new LocalRegistry();

  @Test
  void watchersGetTheCurrentListThenEveryChangeInOrder() throws Exception {
    registry.register(Endpoint.of("web", "a", "127.0.0.1:1"));
    List<List<String>> seen = new ArrayList<>();
    AutoCloseable w = registry.watch("web", l -> seen.add(l.stream().map(Endpoint::id).toList()));
    registry.register(Endpoint.of("web", "b", "127.0.0.1:2"));
    registry.register(Endpoint.of("api", "x", "127.0.0.1:3")); // another service: not this watcher's
    registry.deregister("web", "a");
    registry.deregister("web", "a"); // already gone: no call
    registry.register(Endpoint.of("web", "b", "127.0.0.1:2")); // unchanged: no call
    w.close();
    registry.register(Endpoint.of("web", "c", "127.0.0.1:4"));

    assertThat(seen).containsExactly(List.of("a"), List.of("a", "b"), List.of("b"));
    assertThat(registry.endpoints("web")).extracting(Endpoint::id).containsExactly("b", "c");
    assertThat(registry.endpoints("none")).isEmpty();
  }

  @Test
  void aFailingWatcherDoesNotStopTheOthers() {
    List<Integer> sizes = new ArrayList<>();
    registry.watch("web", l -> {
      if (!l.isEmpty()) {
        throw new IllegalStateException("boom");
      }
    });
    registry.watch("web", l -> sizes.add(l.size()));
    registry.register(Endpoint.of("web", "a", "127.0.0.1:1"));
    assertThat(sizes).containsExactly(0, 1);
  }

  @Test
  void registrarRegistersReadyInstancesAndRemovesThemOnAnyOtherTransition() {
    InstanceRegistrar r = new InstanceRegistrar(registry, "127.0.0.1");
    InstanceId id = new InstanceId("hello", 0);
    r.onEvent(event(id, InstanceState.STARTING, InstanceState.READY, 9001));
    // The replacement of a rolling reload: same instance, another port, both alive for a moment.
    r.onEvent(event(id, InstanceState.STARTING, InstanceState.READY, 9101));
    assertThat(registry.endpoints("hello")).extracting(Endpoint::address)
        .containsExactly("127.0.0.1:9001", "127.0.0.1:9101");
    r.onEvent(event(id, InstanceState.READY, InstanceState.STOPPING, 9001));
    assertThat(registry.endpoints("hello")).extracting(Endpoint::id).containsExactly("hello:0@9101");
    r.onEvent(event(id, InstanceState.READY, InstanceState.NOT_READY, 9101));
    assertThat(registry.endpoints("hello")).isEmpty();
    r.onEvent(event(new InstanceId("worker", 0), InstanceState.STARTING, InstanceState.READY, 0));
    assertThat(registry.endpoints("worker")).as("no port, nothing to reach").isEmpty();
  }

  private static InstanceEvent event(InstanceId id, InstanceState from, InstanceState to, int port) {
    return new InstanceEvent(id, from, to, "test", 42, port, Instant.now());
  }
}
