package dev.nonstop.web.internal.router;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A route path split into the parts the tree stores: static text and wildcards.
 *
 * <p>Parsing validates everything that can be judged from the route alone, so that the tree only
 * has to judge conflicts between routes. A static part that precedes a wildcard always ends with
 * {@code '/'}, which is what lets the tree hang wildcards only at segment starts.
 */
record Template(List<Part> parts) {

  /** What a part matches; also the kind of the tree node that stores it. */
  enum Kind {
    /** Literal text, compared character by character. */
    STATIC,
    /** {@code :name}: one non-empty segment. */
    PARAM,
    /** {@code *name}: the rest of the path, from the {@code '/'} before it. */
    CATCH_ALL
  }

  /** Static text (for {@link Kind#STATIC}) or a wildcard's name (for the others). */
  record Part(Kind kind, String text) {}

  /** Parses {@code route}, throwing {@link IllegalArgumentException} with the route named. */
  static Template parse(String route) {
    if (route == null) {
      throw new IllegalArgumentException("route: null (expected: a path starting with '/')");
    }
    if (route.isEmpty() || route.charAt(0) != '/') {
      throw invalid(route, "must start with '/'");
    }
    List<Part> parts = new ArrayList<>();
    Set<String> names = new HashSet<>();
    int staticStart = 0;
    for (int i = 0; i < route.length(); i++) {
      char c = route.charAt(i);
      if (c != ':' && c != '*') {
        continue;
      }
      int end = route.indexOf('/', i);
      if (end < 0) {
        end = route.length();
      }
      String wildcard = route.substring(i, end);
      if (route.charAt(i - 1) != '/') {
        throw invalid(route, "wildcard '" + wildcard + "' must be a whole path segment");
      }
      String name = wildcard.substring(1);
      if (name.isEmpty()) {
        throw invalid(route, "wildcard '" + wildcard + "' must have a name, e.g. ':id'");
      }
      if (name.indexOf(':') >= 0 || name.indexOf('*') >= 0) {
        throw invalid(route, "only one wildcard per path segment is allowed, found '" + wildcard + "'");
      }
      Kind kind = c == ':' ? Kind.PARAM : Kind.CATCH_ALL;
      if (kind == Kind.CATCH_ALL && end != route.length()) {
        throw invalid(route, "catch-all '" + wildcard + "' must be the last segment");
      }
      if (!names.add(name)) {
        throw invalid(route, "duplicate parameter name '" + name + "'");
      }
      parts.add(new Part(Kind.STATIC, route.substring(staticStart, i)));
      parts.add(new Part(kind, name));
      staticStart = end;
      i = end - 1;
    }
    if (staticStart < route.length()) {
      parts.add(new Part(Kind.STATIC, route.substring(staticStart)));
    }
    return new Template(List.copyOf(parts));
  }

  private static IllegalArgumentException invalid(String route, String why) {
    return new IllegalArgumentException("route '" + route + "': " + why);
  }
}
