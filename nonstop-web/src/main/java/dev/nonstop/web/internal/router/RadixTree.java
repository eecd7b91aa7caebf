package dev.nonstop.web.internal.router;

import java.util.List;
import java.util.Objects;

/**
 * The routes of one HTTP method, in a radix tree with httprouter/Gin semantics.
 *
 * <p>Segments are static text, {@code :name} (one non-empty segment) or a final {@code *name}
 * (the rest, from the {@code '/'} before it). Static routes and a param may share a position
 * ({@code /users/new} and {@code /users/:id}); the most specific route wins, with a lookup
 * backtracking to the param when the static branch fails deeper.
 *
 * <pre>{@code
 * RadixTree<Handler> tree = new RadixTree<>();
 * tree.insert("/users/:id", show);
 * PathParams params = new PathParams();
 * params.reset("/users/42");
 * tree.find("/users/42", params);   // show, with id=42
 * }</pre>
 *
 * <p>Not thread-safe for {@link #insert}; once built, {@link #find} may run on any number of
 * threads at once (the engine freezes the tree before serving).
 */
public final class RadixTree<T> {

  private final Node<T> root = new Node<>(Template.Kind.STATIC, "", null, null);

  /** Creates an empty tree. */
  public RadixTree() {}

  /**
   * Adds {@code path} with {@code value}.
   *
   * @throws IllegalArgumentException for an invalid path or a conflict with a route already in
   *     the tree; the message names both routes, e.g. {@code route '/users/:name' conflicts with
   *     existing route '/users/:id'}. The tree is unchanged then.
   */
  public void insert(String path, T value) {
    Objects.requireNonNull(value, "value");
    List<Template.Part> parts = Template.parse(path).parts();
    Node<T> n = root;
    for (int i = 0; i < parts.size(); i++) {
      Template.Part part = parts.get(i);
      n = switch (part.kind()) {
        case STATIC -> {
          boolean catchAllNext = i + 1 < parts.size() && parts.get(i + 1).kind() == Template.Kind.CATCH_ALL;
          yield insertStatic(n, part.text(), catchAllNext, path);
        }
        case PARAM -> insertParam(n, part.text(), path);
        case CATCH_ALL -> insertCatchAll(n, part.text(), path);
      };
    }
    if (n.kind == Template.Kind.CATCH_ALL) {
      n.value = value;
      n.valueRoute = path;
      return;
    }
    if (n.catchAll != null) {
      throw conflict(path, n.catchAll.route, "a catch-all already covers this path");
    }
    if (n.value != null) {
      throw conflict(path, n.valueRoute, "registered twice");
    }
    n.value = value;
    n.valueRoute = path;
  }

  /**
   * Walks (and extends) the static text {@code s} from {@code n}; returns the node ending exactly
   * where {@code s} ends.
   */
  private Node<T> insertStatic(Node<T> n, String s, boolean catchAllNext, String route) {
    int i = 0;
    while (i < s.length()) {
      if (n.catchAll != null) {
        throw conflict(route, n.catchAll.route, "a catch-all must be alone at its position");
      }
      Node<T> child = n.child(s.charAt(i));
      if (child == null) {
        // Past here the route is new: nothing after this point can conflict.
        child = new Node<>(Template.Kind.STATIC, s.substring(i), null, route);
        n.addChild(child);
        return child;
      }
      int common = commonPrefix(child.prefix, s, i);
      if (common < child.prefix.length()) {
        if (catchAllNext && i + common == s.length()) {
          // Checked before splitting so that a rejected insert leaves the tree as it was.
          throw conflict(route, child.route, "a catch-all must be alone at its position");
        }
        child = n.split(child, common);
      }
      i += common;
      n = child;
    }
    return n;
  }

  private Node<T> insertParam(Node<T> n, String name, String route) {
    if (n.catchAll != null) {
      throw conflict(route, n.catchAll.route, "a catch-all must be alone at its position");
    }
    Node<T> p = n.param;
    if (p == null) {
      p = new Node<>(Template.Kind.PARAM, "", name, route);
      n.param = p;
    } else if (!p.name.equals(name)) {
      throw conflict(route, p.route, "':" + name + "' and ':" + p.name + "' at the same position");
    }
    return p;
  }

  private Node<T> insertCatchAll(Node<T> n, String name, String route) {
    String existing = n.catchAll != null ? n.catchAll.route
        : n.param != null ? n.param.route
        : n.hasStaticChildren() ? n.children[0].route
        : n.valueRoute;
    if (existing != null) {
      throw conflict(route, existing, "a catch-all must be alone at its position");
    }
    Node<T> c = new Node<>(Template.Kind.CATCH_ALL, "", name, route);
    n.catchAll = c;
    return c;
  }

  private static int commonPrefix(String prefix, String s, int from) {
    int max = Math.min(prefix.length(), s.length() - from);
    int i = 0;
    while (i < max && prefix.charAt(i) == s.charAt(from + i)) {
      i++;
    }
    return i;
  }

  private static IllegalArgumentException conflict(String route, String existing, String why) {
    return new IllegalArgumentException(
        "route '" + route + "' conflicts with existing route '" + existing + "' (" + why + ")");
  }

  /**
   * Returns the value of the route matching {@code path}, or {@code null}. Fills {@code params}
   * (the caller resets it with this path first). On a miss, sets {@link PathParams#tsr()} when
   * the path with a trailing slash added, or removed if it has one, would match.
   */
  public T find(String path, PathParams params) {
    int len = path.length();
    T value = walk(root, path, 0, len, len, params);
    if (value != null) {
      return value;
    }
    boolean tsr;
    if (len > 1 && path.charAt(len - 1) == '/') {
      tsr = walk(root, path, 0, len - 1, len - 1, params) != null;
    } else {
      tsr = walk(root, path, 0, len, len + 1, params) != null;
    }
    // The probe may have matched params of the other path; they must not leak to the caller.
    params.truncate(0);
    params.tsr(tsr);
    return null;
  }

  /**
   * Depth-first match below {@code node}, whose own text ends at {@code pos}: static child, then
   * param, then catch-all, returning the first route found. Trying the more specific branch first
   * at every segment start makes the first match the most specific one.
   *
   * <p>Only a static child that has a param sibling is a point to come back to, so only that
   * recurses; every other step loops. A failed branch returns {@code null} to the latest such
   * point, which drops the params the branch pushed. Recursion depth is bounded by the number of
   * params in a route, not by the request.
   *
   * <p>The path seen is {@code path[0, end)} followed, when {@code n == end + 1}, by a virtual
   * {@code '/'}: that is how the trailing-slash probe matches {@code path + "/"} without building
   * it.
   */
  private static <T> T walk(Node<T> node, String path, int pos, int end, int n, PathParams params) {
    while (true) {
      if (pos == n) {
        if (node.value != null) {
          return node.value;
        }
      } else {
        char c = pos < end ? path.charAt(pos) : '/';
        Node<T> child = node.child(c);
        if (child != null && regionMatches(path, pos, end, n, child.prefix)) {
          if (node.param == null) {
            // No alternative here (a catch-all never has static siblings): no need to come back.
            node = child;
            pos += child.prefix.length();
            continue;
          }
          int mark = params.size();
          T value = walk(child, path, pos + child.prefix.length(), end, n, params);
          if (value != null) {
            return value;
          }
          params.truncate(mark);
        }
        Node<T> param = node.param;
        if (param != null) {
          int segmentEnd = path.indexOf('/', pos);
          if (segmentEnd < 0 || segmentEnd > end) {
            segmentEnd = end;
          }
          if (segmentEnd == pos) {
            return null;
          }
          // The last alternative at this node (a param never has a catch-all sibling).
          params.push(param.name, pos, segmentEnd);
          node = param;
          pos = segmentEnd;
          continue;
        }
      }
      Node<T> catchAll = node.catchAll;
      if (catchAll != null) {
        // The value starts at the '/' that ends the parent's text: "/static/*f" on "/static/" is "/".
        params.push(catchAll.name, pos - 1, n);
        return catchAll.value;
      }
      return null;
    }
  }

  /** Whether {@code prefix} is at {@code pos} of the path seen by {@link #walk}. */
  private static boolean regionMatches(String path, int pos, int end, int n, String prefix) {
    int len = prefix.length();
    if (pos + len <= end) {
      return path.regionMatches(pos, prefix, 0, len);
    }
    return pos + len == n && n == end + 1
        && prefix.charAt(len - 1) == '/'
        && path.regionMatches(pos, prefix, 0, len - 1);
  }

  /** The root, for the invariant checks of the tests. */
  Node<T> root() {
    return root;
  }
}
