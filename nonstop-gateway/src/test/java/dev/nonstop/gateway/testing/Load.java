package dev.nonstop.gateway.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * A load for tests of what happens under traffic: clients, each on a thread of its own sending
 * requests one after the other with the JDK {@link HttpClient}, while the test changes something
 * (kills a server, reloads, changes members).
 *
 * <pre>{@code
 * List<Load.Outcome> outcomes = Load.run(http, gatewayUri, 8, (client, i) -> Load.Call.get("/id"), completed -> {
 *   await().until(() -> completed.getAsInt() >= 200);
 *   gateway.reload(next);
 * });
 * }</pre>
 */
public final class Load {
  private Load() {}

  /**
   * One request of a load: POST when {@code body} is not null, else GET.
   *
   * @param path the path and query, resolved against the gateway's URI
   */
  public record Call(String path, String body) {
    /** A GET of {@code path}. */
    public static Call get(String path) {
      return new Call(path, null);
    }

    /** GET or POST. */
    public String method() {
      return body == null ? "GET" : "POST";
    }
  }

  /** What one request of a load got: status -1 for an I/O error, whose text is then the body. */
  public record Outcome(Call call, int status, String body, long startNanos) {}

  /** The {@code i}th request of client {@code client}. */
  @FunctionalInterface
  public interface Calls {
    Call call(int client, int i);
  }

  /** What runs on the test thread while the load runs; the load stops when it returns. */
  @FunctionalInterface
  public interface During {
    void run(IntSupplier completed) throws Exception;
  }

  /**
   * Runs {@code clients} clients, each on a thread of its own sending {@code calls} to {@code base}
   * one after the other (10 s timeout each), until {@code during} returns; returns once every
   * client has its last answer.
   */
  public static List<Outcome> run(HttpClient http, URI base, int clients, Calls calls, During during)
      throws Exception {
    ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    AtomicInteger completed = new AtomicInteger();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < clients; t++) {
      int client = t;
      threads.add(Thread.ofPlatform().name("client-" + t).start(() -> {
        for (int i = 0; !stop.get(); i++) {
          Call call = calls.call(client, i);
          HttpRequest.Builder r = HttpRequest.newBuilder(base.resolve(call.path())).timeout(Duration.ofSeconds(10));
          if (call.body() != null) {
            r.POST(HttpRequest.BodyPublishers.ofString(call.body()));
          }
          long start = System.nanoTime();
          Outcome o;
          try {
            HttpResponse<String> resp = http.send(r.build(), HttpResponse.BodyHandlers.ofString());
            o = new Outcome(call, resp.statusCode(), resp.body(), start);
          } catch (IOException e) {
            o = new Outcome(call, -1, e.toString(), start);
          } catch (InterruptedException e) {
            return;
          }
          outcomes.add(o);
          completed.incrementAndGet();
        }
      }));
    }
    try {
      during.run(completed::get);
    } finally {
      stop.set(true);
      for (Thread t : threads) {
        t.join(Duration.ofSeconds(15));
      }
    }
    return List.copyOf(outcomes);
  }
}
