package dev.nonstop.cli.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Concurrent GET load from the test: {@code clients} virtual threads, each on its own keep-alive
 * connection (its own JDK HttpClient), sending requests back to back until {@link #stop}. Every
 * answer that is not 200, and every exception, is a failure and is kept with what it was.
 */
public final class Load implements AutoCloseable {
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicLong ok = new AtomicLong();
  private final AtomicLong maxMillis = new AtomicLong();
  private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
  private final List<Thread> threads = new ArrayList<>();
  private final List<HttpClient> clients = new ArrayList<>();

  private Load(URI uri, int clients) {
    for (int i = 0; i < clients; i++) {
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5)).build();
      this.clients.add(http);
      HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20)).GET().build();
      threads.add(Thread.ofVirtual().name("load-" + i).start(() -> {
        while (running.get()) {
          long t0 = System.nanoTime();
          try {
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
              ok.incrementAndGet();
            } else {
              failures.add(r.statusCode() + " " + r.body());
            }
          } catch (InterruptedException e) {
            return;
          } catch (Exception e) {
            if (running.get()) {
              failures.add(e.toString());
            }
          }
          maxMillis.accumulateAndGet((System.nanoTime() - t0) / 1_000_000, Math::max);
        }
      }));
    }
  }

  /** Starts {@code clients} concurrent clients sending GET {@code uri}. */
  public static Load start(URI uri, int clients) {
    return new Load(uri, clients);
  }

  /** Requests answered 200 so far. */
  public long ok() {
    return ok.get();
  }

  /** Every failure so far: status and body, or the exception. */
  public List<String> failures() {
    return List.copyOf(failures);
  }

  /** The slowest request so far, in milliseconds. */
  public long maxMillis() {
    return maxMillis.get();
  }

  /** Stops the clients after their current request (each finishes it; none is cut off). */
  public void stop() throws InterruptedException {
    running.set(false);
    for (Thread t : threads) {
      t.join(Duration.ofSeconds(30));
    }
    clients.forEach(HttpClient::close);
  }

  @Override
  public void close() throws InterruptedException {
    if (running.get()) {
      stop();
    }
  }

  @Override
  public String toString() {
    return ok() + " ok, " + failures.size() + " failed, slowest " + maxMillis() + " ms"
        + (failures.isEmpty() ? "" : "; first failures: " + failures().subList(0, Math.min(5, failures.size())));
  }
}
