package dev.nonstop.web.internal.router;

import dev.nonstop.web.http.Tokens;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The routes of all methods: one {@link RadixTree} per method, plus what the engine needs to
 * answer a miss (the methods that would have matched, for 405 and {@code Allow}).
 *
 * <pre>{@code
 * Router<Handler> router = new Router<>();
 * router.add("GET", "/users/:id", show);
 * params.reset(path);
 * Handler h = router.find("GET", path, params);
 * }</pre>
 *
 * <p>Built single-threaded, then only read, like the trees it holds.
 */
public final class Router<T> {

  // The common methods get a field each, so that find() picks a tree with a string switch (a
  // cached hash and one equals) instead of a map probe; the rest live only in byMethod.
  private RadixTree<T> get;
  private RadixTree<T> post;
  private RadixTree<T> put;
  private RadixTree<T> delete;
  private RadixTree<T> patch;
  private RadixTree<T> head;
  private RadixTree<T> options;
  /** Every tree with at least one route, sorted by method for {@link #allowedMethods}. */
  private final Map<String, RadixTree<T>> byMethod = new TreeMap<>();

  /** Creates a router without routes. */
  public Router() {}

  /**
   * Adds a route for {@code method}.
   *
   * @throws IllegalArgumentException for an invalid method or path, or a conflict with a route of
   *     the same method; the message names the method and both routes.
   */
  public void add(String method, String path, T value) {
    checkMethod(method);
    RadixTree<T> tree = byMethod.get(method);
    boolean created = tree == null;
    if (created) {
      tree = new RadixTree<>();
    }
    try {
      tree.insert(path, value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(method + " " + e.getMessage(), e);
    }
    if (created) {
      // Only now, so that a rejected first route leaves no empty tree behind.
      byMethod.put(method, tree);
      switch (method) {
        case "GET" -> get = tree;
        case "POST" -> post = tree;
        case "PUT" -> put = tree;
        case "DELETE" -> delete = tree;
        case "PATCH" -> patch = tree;
        case "HEAD" -> head = tree;
        case "OPTIONS" -> options = tree;
        default -> { }
      }
    }
  }

  /**
   * Returns the value of the {@code method} route matching {@code path}, or {@code null}; see
   * {@link RadixTree#find}. The caller resets {@code params} with this path first.
   */
  public T find(String method, String path, PathParams params) {
    RadixTree<T> tree = switch (method) {
      case "GET" -> get;
      case "POST" -> post;
      case "PUT" -> put;
      case "DELETE" -> delete;
      case "PATCH" -> patch;
      case "HEAD" -> head;
      case "OPTIONS" -> options;
      default -> byMethod.get(method);
    };
    return tree == null ? null : tree.find(path, params);
  }

  /**
   * Every method, sorted, that has a route matching {@code path}: the {@code Allow} header of a
   * 405. Allocates, which is fine on this rare path.
   */
  public List<String> allowedMethods(String path) {
    List<String> allowed = new ArrayList<>();
    PathParams scratch = new PathParams();
    for (Map.Entry<String, RadixTree<T>> e : byMethod.entrySet()) {
      scratch.reset(path);
      if (e.getValue().find(path, scratch) != null) {
        allowed.add(e.getKey());
      }
    }
    return List.copyOf(allowed);
  }

  /** Whether no route was added. */
  public boolean isEmpty() {
    return byMethod.isEmpty();
  }

  /** A method is an HTTP token (RFC 9110 section 5.6.2), e.g. {@code GET} or {@code PROPFIND}. */
  private static void checkMethod(String method) {
    Objects.requireNonNull(method, "method");
    boolean token = !method.isEmpty();
    for (int i = 0; token && i < method.length(); i++) {
      token = Tokens.isTokenChar(method.charAt(i));
    }
    if (!token) {
      throw new IllegalArgumentException("method: '" + method + "' (expected: an HTTP token such as GET)");
    }
  }
}
