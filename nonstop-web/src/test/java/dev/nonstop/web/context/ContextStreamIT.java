package dev.nonstop.web.context;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.web.Engine;
import dev.nonstop.web.testing.Logs;
import dev.nonstop.web.testing.RawConnection;
import dev.nonstop.web.testing.Response;
import dev.nonstop.web.testing.Servers;
import dev.nonstop.web.testing.TestServer;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Context.stream (chunked, flushed as written) and Server-Sent Events, including a client that leaves. */
class ContextStreamIT {
  @RegisterExtension
  static final Servers servers = new Servers();
  private static TestServer server;
  private static final AtomicReference<CountDownLatch> clientSawFirst = new AtomicReference<>();
  private static final AtomicReference<CountDownLatch> streaming = new AtomicReference<>();
  private static final AtomicReference<CountDownLatch> sendFailed = new AtomicReference<>();
  private static final AtomicReference<Throwable> failure = new AtomicReference<>();
  private static final AtomicReference<CountDownLatch> quietFlushFailed = new AtomicReference<>();

  @BeforeAll
  static void start() {
    Engine app = Engine.builder().build();
    app.get("/stream", c -> c.stream(200, "text/plain; charset=utf-8", out -> {
      out.write("part1\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
      // The next part is written only once the client has the first: the body is not buffered.
      if (!clientSawFirst.get().await(5, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the first chunk never reached the client");
      }
      out.write("part2\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
      out.write("part3\n".getBytes(StandardCharsets.UTF_8));
    }));
    app.get("/events", c -> c.sse(sse -> {
      sse.retry(1500);
      sse.comment("hello");
      sse.send("greeting", "hi");
      sse.send("line1\nline2\r\nline3");
      sse.sendJson("json", Map.of("a", 1));
      sse.send("evil\nname", "x");
      sse.comment("a\rdata: injected\r\nb");
    }));
    app.get("/ticks", c -> c.sse(sse -> {
      streaming.get().countDown();
      try {
        for (int i = 0; i < 1000; i++) { // about 10 s at most; the client leaves long before
          sse.send("tick", Integer.toString(i));
          Thread.sleep(10);
        }
      } catch (IOException e) {
        failure.set(e);
        sendFailed.get().countDown();
        throw e;
      }
    }));
    app.get("/quiet", c -> c.stream(200, "text/plain", out -> {
      out.write("hello\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
      try {
        for (int i = 0; i < 500; i++) { // waits for data that never comes, checking on its client
          Thread.sleep(10);
          out.flush();
        }
      } catch (IOException e) {
        quietFlushFailed.get().countDown();
        throw e;
      }
    }));
    app.get("/ping", c -> c.string(200, "pong"));
    server = servers.start(app);
  }

  @Test
  void streamSendsEachFlushAsAChunkInOrder() throws IOException {
    clientSawFirst.set(new CountDownLatch(1));
    try (RawConnection c = server.connect()) {
      Response r = c.send("GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").readHead();
      String first = c.readUntil("part1\n");
      clientSawFirst.get().countDown();
      String body = first + c.readToEnd();

      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("Transfer-Encoding")).isEqualTo("chunked");
      assertThat(r.header("Content-Length")).isNull();
      assertThat(r.header("Content-Type")).isEqualTo("text/plain; charset=utf-8");
      assertThat(body).isEqualTo("6\r\npart1\n\r\n6\r\npart2\n\r\n6\r\npart3\n\r\n0\r\n\r\n");
    }
  }

  @Test
  void streamToHttpClientArrivesWhole() {
    clientSawFirst.set(new CountDownLatch(0));
    HttpResponse<String> r = server.get("/stream");
    assertThat(r.body()).isEqualTo("part1\npart2\npart3\n");
  }

  @Test
  void sseSendsNamedEventsMultiLineDataCommentsAndRetryWithoutLineInjection() {
    HttpResponse<String> r = server.get("/events", "Accept", "text/event-stream");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("text/event-stream; charset=utf-8");
    assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-cache");
    assertThat(r.body()).isEqualTo("""
        retry: 1500

        : hello

        event: greeting
        data: hi

        data: line1
        data: line2
        data: line3

        event: json
        data: {"a":1}

        event: evilname
        data: x

        : a data: injected b

        """);
  }

  @Test
  void anEmptyFlushTellsAQuietHandlerThatItsClientLeft() throws Exception {
    quietFlushFailed.set(new CountDownLatch(1));
    try (RawConnection c = server.connect()) {
      c.send("GET /quiet HTTP/1.1\r\nHost: x\r\n\r\n").readHead();
      c.readUntil("hello\n");
    } // closed while the handler waits
    assertThat(quietFlushFailed.get().await(5, TimeUnit.SECONDS)).as("flush() with nothing buffered threw").isTrue();
    assertThat(server.get("/ping").body()).isEqualTo("pong");
  }

  @Test
  void aClientThatLeavesMakesTheNextSendThrowAndTheServerKeepsServing() throws Exception {
    streaming.set(new CountDownLatch(1));
    sendFailed.set(new CountDownLatch(1));
    failure.set(null);
    try (Logs logs = Logs.capture("nonstop.recovery")) {
      try (RawConnection c = server.connect()) {
        c.send("GET /ticks HTTP/1.1\r\nHost: x\r\n\r\n").readHead();
        c.readUntil("data: 1\n");
        assertThat(streaming.get().await(5, TimeUnit.SECONDS)).isTrue();
      } // closed mid-stream

      assertThat(sendFailed.get().await(5, TimeUnit.SECONDS)).as("a send failed after the client left").isTrue();
      assertThat(failure.get()).isInstanceOf(IOException.class);
      assertThat(server.get("/ping").body()).isEqualTo("pong");
      assertThat(logs.events()).as("a client leaving is not a server error").isEmpty();
    }
  }
}
