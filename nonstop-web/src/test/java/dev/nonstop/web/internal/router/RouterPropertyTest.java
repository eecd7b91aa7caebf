package dev.nonstop.web.internal.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Compares {@link RadixTree} with a naive reference: every route checked segment by segment, the
 * most specific match winning, conflicts judged pairwise. Route sets come from a small alphabet
 * whose statics share prefixes ("a", "ab", "abc"), so that the tree splits, backtracks and
 * collides often.
 */
class RouterPropertyTest {

  private static final List<String> STATICS = List.of("a", "b", "ab", "abc", "");
  private static final List<String> PATH_SEGMENTS = List.of("a", "b", "ab", "abc", "", "x", "ba", "abcd");
  private static final Pattern NAMED = Pattern.compile("conflicts with existing route '(.*)' \\(");

  @Property(tries = 1000)
  void treeAgreesWithTheReference(@ForAll("routeSets") List<String> routes, @ForAll("paths") List<String> paths) {
    RadixTree<String> tree = new RadixTree<>();
    List<Ref> accepted = new ArrayList<>();
    for (String route : routes) {
      Ref ref = Ref.parse(route);
      boolean conflict = accepted.stream().anyMatch(ref::conflictsWith);
      if (conflict) {
        Statistics.label("insert").collect("conflict");
        Throwable thrown = catchThrowable(() -> tree.insert(route, route));
        assertThat(thrown).as("insert %s after %s", route, accepted).isInstanceOf(IllegalArgumentException.class);
        Matcher m = NAMED.matcher(thrown.getMessage());
        assertThat(m.find()).as(thrown.getMessage()).isTrue();
        assertThat(thrown.getMessage()).startsWith("route '" + route + "' conflicts");
        Ref named = accepted.stream().filter(a -> a.route.equals(m.group(1))).findFirst().orElseThrow();
        assertThat(ref.conflictsWith(named)).as("%s names %s", route, named.route).isTrue();
      } else {
        assertThatCode(() -> tree.insert(route, route)).as("insert %s after %s", route, accepted)
            .doesNotThrowAnyException();
        Statistics.label("insert").collect("accepted");
        accepted.add(ref);
      }
    }
    TreeInvariants.check(tree);

    Set<String> lookups = new LinkedHashSet<>(paths);
    for (Ref ref : accepted) {
      for (String value : List.of("a", "zz")) {
        String path = ref.instantiate(value);
        lookups.add(path);
        lookups.add(path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path + "/");
      }
    }
    PathParams params = new PathParams();
    for (String path : lookups) {
      Match expected = Ref.match(accepted, path);
      params.reset(path);
      String found = tree.find(path, params);
      Statistics.label("lookup").collect(expected != null ? "hit" : Ref.tsr(accepted, path) ? "miss, tsr" : "miss");
      if (expected == null) {
        assertThat(found).as("%s in %s", path, accepted).isNull();
        assertThat(params.size()).isZero();
        assertThat(params.tsr()).as("tsr of %s in %s", path, accepted).isEqualTo(Ref.tsr(accepted, path));
      } else {
        assertThat(found).as("%s in %s", path, accepted).isEqualTo(expected.route);
        List<String> actual = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
          actual.add(params.name(i) + "=" + params.value(i));
        }
        assertThat(actual).as("params of %s in %s", path, accepted).isEqualTo(expected.params);
        assertThat(params.tsr()).isFalse();
      }
    }
  }

  @Provide
  Arbitrary<List<String>> routeSets() {
    // Codes per segment: 0-4 a static, 5-6 ":p<i>", 7 ":q<i>" (a name clash with ":p<i>"),
    // 8-9 a catch-all when last ("*rest" or "*all"), else ":p<i>".
    Arbitrary<String> route = Arbitraries.integers().between(0, 9).list().ofMinSize(1).ofMaxSize(4).map(codes -> {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < codes.size(); i++) {
        int c = codes.get(i);
        boolean last = i == codes.size() - 1;
        sb.append('/').append(c < 5 ? STATICS.get(c)
            : c == 7 ? ":q" + i
            : c >= 8 && last ? (c == 8 ? "*rest" : "*all")
            : ":p" + i);
      }
      return sb.toString();
    });
    return route.list().ofMinSize(1).ofMaxSize(12);
  }

  @Provide
  Arbitrary<List<String>> paths() {
    Arbitrary<String> path = Arbitraries.of(PATH_SEGMENTS).list().ofMinSize(1).ofMaxSize(5)
        .map(segments -> "/" + String.join("/", segments));
    return path.list().ofMinSize(1).ofMaxSize(20);
  }

  /** A route as segments; a segment is static text, ":name" or "*name". */
  private record Ref(String route, List<String> segments) {

    static Ref parse(String route) {
      return new Ref(route, Arrays.asList(route.substring(1).split("/", -1)));
    }

    /** Specificity of segment {@code i}: static 2, param 1, catch-all 0. */
    int rank(int i) {
      String s = segments.get(i);
      return s.startsWith(":") ? 1 : s.startsWith("*") ? 0 : 2;
    }

    /**
     * The spec's conflicts: walking both routes left to right while they agree, they collide when
     * they end together (the same route twice), when both have a param there under different
     * names, or when either has a catch-all where the other still has a segment.
     */
    boolean conflictsWith(Ref other) {
      for (int i = 0; ; i++) {
        boolean endA = i >= segments.size();
        boolean endB = i >= other.segments.size();
        if (endA || endB) {
          return endA && endB;
        }
        int ra = rank(i);
        int rb = other.rank(i);
        if (ra == 0 || rb == 0) {
          return true;
        }
        if (ra != rb) {
          return false;
        }
        String a = segments.get(i);
        String b = other.segments.get(i);
        if (!a.equals(b)) {
          return ra == 1;
        }
      }
    }

    /** Params in route order as "name=value", or {@code null} when the route does not match. */
    List<String> params(List<String> path) {
      List<String> params = new ArrayList<>();
      for (int i = 0; i < segments.size(); i++) {
        String s = segments.get(i);
        if (s.startsWith("*")) {
          if (path.size() <= i) {
            return null;
          }
          params.add(s.substring(1) + "=/" + String.join("/", path.subList(i, path.size())));
          return params;
        }
        if (i >= path.size()) {
          return null;
        }
        if (s.startsWith(":")) {
          if (path.get(i).isEmpty()) {
            return null;
          }
          params.add(s.substring(1) + "=" + path.get(i));
        } else if (!s.equals(path.get(i))) {
          return null;
        }
      }
      return path.size() == segments.size() ? params : null;
    }

    /** Compares specificity left to right; positive when this route is more specific. */
    int compareSpecificity(Ref other) {
      for (int i = 0; i < Math.min(segments.size(), other.segments.size()); i++) {
        int d = rank(i) - other.rank(i);
        if (d != 0) {
          return d;
        }
      }
      return 0;
    }

    String instantiate(String value) {
      StringBuilder sb = new StringBuilder();
      for (String s : segments) {
        sb.append('/').append(s.startsWith(":") ? value : s.startsWith("*") ? value + "/" + value : s);
      }
      return sb.toString();
    }

    static Match match(List<Ref> routes, String path) {
      List<String> segments = Arrays.asList(path.substring(1).split("/", -1));
      Ref best = null;
      List<String> bestParams = null;
      for (Ref r : routes) {
        List<String> params = r.params(segments);
        if (params == null) {
          continue;
        }
        int cmp = best == null ? 1 : r.compareSpecificity(best);
        assertThat(cmp).as("%s and %s tie on %s", r.route, best == null ? "" : best.route, path).isNotZero();
        if (cmp > 0) {
          best = r;
          bestParams = params;
        }
      }
      return best == null ? null : new Match(best.route, bestParams);
    }

    static boolean tsr(List<Ref> routes, String path) {
      String other = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path + "/";
      return match(routes, other) != null;
    }
  }

  private record Match(String route, List<String> params) {}
}
