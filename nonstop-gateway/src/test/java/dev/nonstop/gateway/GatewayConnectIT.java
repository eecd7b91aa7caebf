package dev.nonstop.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nonstop.gateway.testing.Specs;
import dev.nonstop.gateway.testing.TestUpstream;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Connects that outlive their try: the slow-SYN case of a per-try timeout shorter than connect_timeout. */
class GatewayConnectIT {
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void aConnectThatCompletesAfterItsTryMovedOnIsPooledForItsOwnServer() throws Exception {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    try (TestUpstream b = new TestUpstream("b");
        ServerSocket a = new ServerSocket(0, 1, loopback)) {
      // Fill A's accept queue: the kernel then drops further SYNs, so a connect to A hangs.
      List<Socket> fillers = new ArrayList<>();
      Set<Integer> fillerPorts = ConcurrentHashMap.newKeySet();
      while (true) {
        Socket s = new Socket();
        try {
          s.connect(new InetSocketAddress(loopback, a.getLocalPort()), 300);
          fillers.add(s);
          fillerPorts.add(s.getLocalPort());
        } catch (SocketTimeoutException full) {
          s.close();
          break;
        }
      }
      Gateway g = Gateway.start(Specs.yaml("""
          listen: 127.0.0.1:0
          routes: [{path: /, upstream: web}]
          upstreams:
            web:
              servers: ["127.0.0.1:%d", "%s"]
              balance: round_robin
              connect_timeout: 10s
              retries: {attempts: 2, per_try_timeout: 300ms}
          """.formatted(a.getLocalPort(), b.address())), new SimpleMeterRegistry());
      try {
        // Round robin: one of two requests tries A first, times out after 300 ms, and moves to B.
        for (int i = 0; i < 2; i++) {
          assertThat(get(g).body()).isEqualTo("b");
        }
        // Now A starts accepting: the gateway's hanging connect completes on its next SYN
        // retransmission, long after its try moved on to B.
        AtomicInteger fromGateway = new AtomicInteger();
        Thread.ofPlatform().daemon().start(() -> serveA(a, fillerPorts, fromGateway));
        await().atMost(Duration.ofSeconds(10)).until(() -> fromGateway.get() > 0);
        g.drain("web", "127.0.0.1:" + a.getLocalPort(), true);
        // A is drained: everything goes to B. Had the late connection been pooled as one of B's,
        // some of these would be answered by A.
        for (int i = 0; i < 20; i++) {
          assertThat(get(g).body()).as("request %d", i).isEqualTo("b");
        }
      } finally {
        g.stop(Duration.ofSeconds(1));
        for (Socket s : fillers) {
          s.close();
        }
      }
    }
  }

  private HttpResponse<String> get(Gateway g) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.port() + "/id"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  // Accepts everything; the fillers are closed, the gateway's connections answered "a" forever.
  private static void serveA(ServerSocket a, Set<Integer> fillerPorts, AtomicInteger fromGateway) {
    while (!a.isClosed()) {
      try {
        Socket s = a.accept();
        if (fillerPorts.contains(s.getPort())) {
          s.close();
          continue;
        }
        fromGateway.incrementAndGet();
        Thread.ofVirtual().start(() -> answer(s));
      } catch (IOException e) {
        return;
      }
    }
  }

  private static void answer(Socket s) {
    try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
      byte[] buf = new byte[8192];
      while (in.read(buf) > 0) {
        out.write("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na".getBytes(StandardCharsets.US_ASCII));
        out.flush();
      }
    } catch (IOException e) {
      // the gateway closed it
    }
  }
}
