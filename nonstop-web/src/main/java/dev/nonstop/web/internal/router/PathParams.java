package dev.nonstop.web.internal.router;

import java.util.Arrays;
import java.util.Objects;

/**
 * The path parameters of one lookup, reused from request to request.
 *
 * <p>A lookup records each parameter as its registered name plus a start and end index into the
 * request path; the value string is cut only when {@link #value(int)} or {@link #get(String)} asks
 * for it, and then cached until the next {@link #reset(String)}. That is what keeps a lookup free
 * of allocation. Not thread-safe: one instance per thread or per connection.
 *
 * <pre>{@code
 * PathParams params = new PathParams();
 * params.reset(path);
 * Handler h = tree.find(path, params);   // "/users/:id" on "/users/42"
 * params.get("id");                     // "42"
 * }</pre>
 */
public final class PathParams {

  private static final int DEFAULT_CAPACITY = 4;

  private String path = "";
  private int size;
  private boolean tsr;
  private String[] names;
  /** Start and end index into {@link #path} of each parameter, two ints per parameter. */
  private int[] bounds;
  /** Values cut so far; {@code null} where not asked for yet. */
  private String[] values;

  /** Creates an empty instance with room for a few parameters; it grows when a route has more. */
  public PathParams() {
    names = new String[DEFAULT_CAPACITY];
    bounds = new int[2 * DEFAULT_CAPACITY];
    values = new String[DEFAULT_CAPACITY];
  }

  /** Forgets the previous lookup and remembers {@code path}, the one the next lookup matches. */
  public void reset(String path) {
    this.path = Objects.requireNonNull(path, "path");
    size = 0;
    tsr = false;
  }

  /** The number of parameters the last lookup matched. */
  public int size() {
    return size;
  }

  /** The name of parameter {@code i} as registered ({@code ":id"} gives {@code "id"}). */
  public String name(int i) {
    Objects.checkIndex(i, size);
    return names[i];
  }

  /** The value of parameter {@code i}; for a catch-all it starts with {@code '/'}. */
  public String value(int i) {
    Objects.checkIndex(i, size);
    String v = values[i];
    if (v == null) {
      v = path.substring(bounds[2 * i], bounds[2 * i + 1]);
      values[i] = v;
    }
    return v;
  }

  /** The value of the parameter named {@code name}, or {@code null} when the route has none. */
  public String get(String name) {
    for (int i = 0; i < size; i++) {
      if (names[i].equals(name)) {
        return value(i);
      }
    }
    return null;
  }

  /**
   * Whether the last lookup missed but the same path with a trailing slash added (or removed, if
   * it had one) would match: the engine answers that with a redirect.
   */
  public boolean tsr() {
    return tsr;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < size; i++) {
      sb.append(i == 0 ? "" : ", ").append(names[i]).append('=').append(value(i));
    }
    return sb.append(tsr ? "} tsr" : "}").toString();
  }

  void push(String name, int start, int end) {
    if (size == names.length) {
      grow();
    }
    names[size] = name;
    bounds[2 * size] = start;
    bounds[2 * size + 1] = end;
    values[size] = null;
    size++;
  }

  /** Drops the parameters pushed after {@code size}; a lookup backtracking out of a branch. */
  void truncate(int size) {
    this.size = size;
  }

  void tsr(boolean tsr) {
    this.tsr = tsr;
  }

  private void grow() {
    int capacity = 2 * names.length;
    names = Arrays.copyOf(names, capacity);
    bounds = Arrays.copyOf(bounds, 2 * capacity);
    values = Arrays.copyOf(values, capacity);
  }
}
