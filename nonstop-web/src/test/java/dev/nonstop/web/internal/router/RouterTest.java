package dev.nonstop.web.internal.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Table-driven router tests: precedence and backtracking on Gin's test tree, trailing-slash hints,
 * conflicts and invalid routes with their messages, methods, and the GitHub API table; every built
 * tree also goes through {@link TreeInvariants}.
 */
class RouterTest {

  /**
   * Gin's wildcard test tree (tree_test.go), less its {@code /user_:name} route, which Nonstop
   * rejects: a wildcard must be a whole segment.
   */
  private static final List<String> GIN_ROUTES = List.of(
      "/", "/cmd/:tool/", "/cmd/:tool/:sub", "/cmd/whoami", "/cmd/whoami/root", "/cmd/whoami/root/",
      "/src/*filepath", "/search/", "/search/:query", "/search/gin-gonic", "/search/google",
      "/user/:name/about", "/files/:dir/*filepath", "/doc/", "/doc/go_faq.html", "/doc/go1.html",
      "/info/:user/public", "/info/:user/project/:project", "/info/:user/project/golang",
      "/aa/*xx", "/ab/*xx", "/:cc", "/c1/:dd/e", "/c1/:dd/e1", "/:cc/cc", "/:cc/:dd/ee",
      "/:cc/:dd/:ee/ff", "/:cc/:dd/:ee/:ff/gg", "/:cc/:dd/:ee/:ff/:gg/hh",
      "/get/test/abc/", "/get/:param/abc/", "/something/:paramname/thirdthing",
      "/something/secondthing/test", "/get/abc", "/get/:param", "/get/abc/123abc", "/get/abc/:param",
      "/get/abc/123abc/xxx8", "/get/abc/:param/test", "/static/*filepath", "/users/new", "/users/:id",
      "/users/new/profile");

  static Stream<Arguments> ginTable() {
    return Stream.of(
        hit("/", "/"),
        hit("/cmd/test/", "/cmd/:tool/", "tool", "test"),
        hit("/cmd/test/3", "/cmd/:tool/:sub", "tool", "test", "sub", "3"),
        hit("/cmd/who/", "/cmd/:tool/", "tool", "who"),
        hit("/cmd/whoami", "/cmd/whoami"),
        // Backtracking: the static "whoami" branch has no "/" route, so the param takes it.
        hit("/cmd/whoami/", "/cmd/:tool/", "tool", "whoami"),
        hit("/cmd/whoami/r", "/cmd/:tool/:sub", "tool", "whoami", "sub", "r"),
        hit("/cmd/whoami/root", "/cmd/whoami/root"),
        hit("/cmd/whoami/root/", "/cmd/whoami/root/"),
        hit("/src/", "/src/*filepath", "filepath", "/"),
        hit("/src/some/file.png", "/src/*filepath", "filepath", "/some/file.png"),
        hit("/search/", "/search/"),
        hit("/search/someth!ng+in+ünìcodé", "/search/:query", "query", "someth!ng+in+ünìcodé"),
        hit("/search/gin", "/search/:query", "query", "gin"),
        hit("/search/gin-gonic", "/search/gin-gonic"),
        hit("/search/google", "/search/google"),
        hit("/search/googles", "/search/:query", "query", "googles"),
        hit("/user/gopher/about", "/user/:name/about", "name", "gopher"),
        hit("/files/js/inc/framework.js", "/files/:dir/*filepath", "dir", "js", "filepath", "/inc/framework.js"),
        hit("/info/gordon/public", "/info/:user/public", "user", "gordon"),
        hit("/info/gordon/project/go", "/info/:user/project/:project", "user", "gordon", "project", "go"),
        hit("/info/gordon/project/golang", "/info/:user/project/golang", "user", "gordon"),
        hit("/aa/aa", "/aa/*xx", "xx", "/aa"),
        hit("/ab/ab", "/ab/*xx", "xx", "/ab"),
        hit("/a", "/:cc", "cc", "a"),
        hit("/all", "/:cc", "cc", "all"),
        hit("/aa", "/:cc", "cc", "aa"),
        hit("/aaa/cc", "/:cc/cc", "cc", "aaa"),
        hit("/a/cc", "/:cc/cc", "cc", "a"),
        hit("/c1/d/e", "/c1/:dd/e", "dd", "d"),
        hit("/c1/d/e1", "/c1/:dd/e1", "dd", "d"),
        // Backtracking across a whole segment: "c1" is static, but only ":cc" has a route here.
        hit("/c1/d/ee", "/:cc/:dd/ee", "cc", "c1", "dd", "d"),
        hit("/cc/cc", "/:cc/cc", "cc", "cc"),
        hit("/c/d/e/ff", "/:cc/:dd/:ee/ff", "cc", "c", "dd", "d", "ee", "e"),
        hit("/c/d/e/f/gg", "/:cc/:dd/:ee/:ff/gg", "cc", "c", "dd", "d", "ee", "e", "ff", "f"),
        hit("/c/d/e/f/g/hh", "/:cc/:dd/:ee/:ff/:gg/hh", "cc", "c", "dd", "d", "ee", "e", "ff", "f", "gg", "g"),
        hit("/get/test/abc/", "/get/test/abc/"),
        hit("/get/te/abc/", "/get/:param/abc/", "param", "te"),
        hit("/get/testaa/abc/", "/get/:param/abc/", "param", "testaa"),
        hit("/get/abc/abc/", "/get/:param/abc/", "param", "abc"),
        hit("/something/secondthing/test", "/something/secondthing/test"),
        hit("/something/secondthing/thirdthing", "/something/:paramname/thirdthing", "paramname", "secondthing"),
        hit("/something/se/thirdthing", "/something/:paramname/thirdthing", "paramname", "se"),
        hit("/get/abc", "/get/abc"),
        hit("/get/a", "/get/:param", "param", "a"),
        hit("/get/abcd", "/get/:param", "param", "abcd"),
        hit("/get/abc/123abc", "/get/abc/123abc"),
        hit("/get/abc/123ab", "/get/abc/:param", "param", "123ab"),
        hit("/get/abc/123abcd", "/get/abc/:param", "param", "123abcd"),
        hit("/get/abc/123abc/xxx8", "/get/abc/123abc/xxx8"),
        hit("/get/abc/123abc/test", "/get/abc/:param/test", "param", "123abc"),
        hit("/static/css/a.css", "/static/*filepath", "filepath", "/css/a.css"),
        hit("/static/", "/static/*filepath", "filepath", "/"),
        hit("/static//x", "/static/*filepath", "filepath", "//x"),
        hit("/users/new", "/users/new"),
        hit("/users/newer", "/users/:id", "id", "newer"),
        hit("/users/ne", "/users/:id", "id", "ne"),
        hit("/users/new/profile", "/users/new/profile"),
        miss("/cmd/test", true),
        miss("/cmd/whoami/root/x", false),
        miss("/search/gin/", true),
        // One segment: "/:cc" takes it, even where a longer static route starts the same way.
        hit("/static", "/:cc", "cc", "static"),
        hit("/src", "/:cc", "cc", "src"),
        hit("/doc", "/:cc", "cc", "doc"),
        miss("/users/42/profile", false),
        miss("/get/abc/123abc/x", false),
        miss("/info/gordon/project", false),
        miss("/info/gordon/public/", true),
        miss("/doc/go1.html/", true),
        miss("/c/d/e/f/g/h/i", false),
        miss("x", false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ginTable")
  void findsTheMostSpecificRoute(String path, String route, Map<String, String> params, boolean tsr) {
    RadixTree<String> tree = tree(GIN_ROUTES);
    PathParams p = new PathParams();
    p.reset(path);
    assertThat(tree.find(path, p)).isEqualTo(route);
    assertThat(params(p)).containsExactlyEntriesOf(params);
    assertThat(p.tsr()).as("tsr").isEqualTo(tsr);
  }

  @Test
  void builtTreeKeepsItsInvariants() {
    TreeInvariants.check(tree(GIN_ROUTES));
    // Insertion order changes where the tree splits, never what it answers.
    List<String> reversed = new ArrayList<>(GIN_ROUTES);
    java.util.Collections.reverse(reversed);
    RadixTree<String> tree = tree(reversed);
    TreeInvariants.check(tree);
    ginTable().forEach(args -> {
      String path = (String) args.get()[0];
      PathParams p = new PathParams();
      p.reset(path);
      assertThat(tree.find(path, p)).as(path).isEqualTo(args.get()[1]);
    });
  }

  static Stream<Arguments> trailingSlashTable() {
    return Stream.of(
        miss("/a/", true),
        miss("/b", true),
        miss("/c/1/", true),
        miss("/d", true),
        miss("/e/1", true),
        miss("/f/x/", true),
        miss("/x", false),
        miss("/c/", false),
        miss("/e/", false),
        miss("/a//", false),
        hit("/", "/"),
        hit("/a", "/a"),
        hit("/b/", "/b/"),
        hit("/d/", "/d/*p", "p", "/"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("trailingSlashTable")
  void missRecommendsTheOtherTrailingSlash(String path, String route, Map<String, String> params, boolean tsr) {
    RadixTree<String> tree = tree(List.of("/", "/a", "/b/", "/c/:x", "/d/*p", "/e/:x/", "/f/:x"));
    PathParams p = new PathParams();
    p.reset(path);
    assertThat(tree.find(path, p)).isEqualTo(route);
    assertThat(params(p)).containsExactlyEntriesOf(params);
    assertThat(p.tsr()).as("tsr").isEqualTo(tsr);
  }

  @Test
  void trailingSlashIsSignificant() {
    RadixTree<String> tree = tree(List.of("/a", "/a/", "/p/:x", "/p/:x/"));
    assertThat(find(tree, "/a")).isEqualTo("/a");
    assertThat(find(tree, "/a/")).isEqualTo("/a/");
    assertThat(find(tree, "/p/1")).isEqualTo("/p/:x");
    assertThat(find(tree, "/p/1/")).isEqualTo("/p/:x/");
  }

  @Test
  void paramsAreResetByTheNextLookup() {
    RadixTree<String> tree = tree(List.of("/users/:id", "/"));
    PathParams p = new PathParams();
    p.reset("/users/7");
    tree.find("/users/7", p);
    assertThat(p.get("id")).isEqualTo("7").isSameAs(p.value(0));
    p.reset("/users/");
    assertThat(tree.find("/users/", p)).isNull();
    assertThat(p.size()).isZero();
    assertThat(p.get("id")).isNull();
    assertThat(p.tsr()).isFalse();
    p.reset("/users/8");
    tree.find("/users/8", p);
    assertThat(p.value(0)).isEqualTo("8");
    assertThatThrownBy(() -> p.value(1)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> p.name(-1)).isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void manyParamsGrowTheCapacity() {
    StringBuilder route = new StringBuilder();
    StringBuilder path = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      route.append("/:p").append(i);
      path.append("/v").append(i);
    }
    RadixTree<String> tree = tree(List.of(route.toString(), route + "/end"));
    PathParams p = new PathParams();
    for (String suffix : List.of("", "/end")) {
      p.reset(path + suffix);
      assertThat(tree.find(path + suffix, p)).isEqualTo(route + suffix);
      assertThat(p.size()).isEqualTo(20);
      for (int i = 0; i < 20; i++) {
        assertThat(p.name(i)).isEqualTo("p" + i);
        assertThat(p.value(i)).isEqualTo("v" + i);
      }
    }
  }

  static Stream<Arguments> conflictTable() {
    return Stream.of(
        conflict(List.of("/users/:id"), "/users/:name", "/users/:id"),
        conflict(List.of("/a/:x/b"), "/a/:y/c", "/a/:x/b"),
        conflict(List.of("/a"), "/a", "/a"),
        conflict(List.of("/a/:x"), "/a/:x", "/a/:x"),
        conflict(List.of("/", "/src/*path"), "/src/*path", "/src/*path"),
        conflict(List.of("/src/*path"), "/src/*other", "/src/*path"),
        conflict(List.of("/src/*path"), "/src/foo", "/src/*path"),
        conflict(List.of("/src/*path"), "/src/:x", "/src/*path"),
        conflict(List.of("/src/*path"), "/src/", "/src/*path"),
        conflict(List.of("/src/*path"), "/src//x", "/src/*path"),
        conflict(List.of("/src/foo"), "/src/*path", "/src/foo"),
        conflict(List.of("/src/foo/bar"), "/src/*path", "/src/foo/bar"),
        conflict(List.of("/src/:x"), "/src/*path", "/src/:x"),
        conflict(List.of("/src/"), "/src/*path", "/src/"),
        conflict(List.of("/src/x", "/src/"), "/src/*path", "/src/x"),
        conflict(List.of("/*all"), "/:x", "/*all"),
        conflict(List.of("/:x"), "/*all", "/:x"),
        conflict(List.of("/"), "/*all", "/"),
        conflict(List.of("/*all"), "/", "/*all"));
  }

  @ParameterizedTest(name = "{1} after {0}")
  @MethodSource("conflictTable")
  void conflictNamesBothRoutesAndLeavesTheTreeAsItWas(List<String> existing, String route, String named) {
    RadixTree<String> tree = tree(existing);
    assertThatThrownBy(() -> tree.insert(route, route))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("route '" + route + "' conflicts with existing route '" + named + "'");
    TreeInvariants.check(tree);
    for (String r : existing) {
      assertThat(find(tree, instantiate(r))).isEqualTo(r);
    }
  }

  @Test
  void compatibleNeighboursCoexist() {
    List<String> routes = List.of("/a", "/a/", "/users/new", "/users/:id", "/users/", "/src", "/src/*p",
        "/srcx", "/sr", "/:top/x", "/x/:a/b", "/x/:a/:b");
    RadixTree<String> tree = tree(routes);
    TreeInvariants.check(tree);
    for (String r : routes) {
      assertThat(find(tree, instantiate(r))).as(r).isEqualTo(r);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "users", "/user_:name", "/a/:", "/a/*", "/a/:x:y", "/a/:x*y", "/a/*x:y",
      "/src/*p/x", "/src/*p/", "/a/:id/b/:id", "/a/:id/*id", "/a:b", "/a*"})
  void invalidRouteIsRejectedWithItsName(String route) {
    assertThatThrownBy(() -> new RadixTree<String>().insert(route, "v"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("route '" + route + "': ");
  }

  @Test
  void invalidRouteMessagesSayWhatIsExpected() {
    assertThat(messageOf("/user_:name")).isEqualTo("route '/user_:name': wildcard ':name' must be a whole path segment");
    assertThat(messageOf("/a/:")).isEqualTo("route '/a/:': wildcard ':' must have a name, e.g. ':id'");
    assertThat(messageOf("/src/*p/x")).isEqualTo("route '/src/*p/x': catch-all '*p' must be the last segment");
    assertThat(messageOf("/a/:x:y")).contains("only one wildcard per path segment");
    assertThat(messageOf("/a/:id/b/:id")).contains("duplicate parameter name 'id'");
    assertThat(messageOf("users")).isEqualTo("route 'users': must start with '/'");
    assertThatThrownBy(() -> new RadixTree<String>().insert(null, "v")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RadixTree<String>().insert("/a", null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void routerKeepsMethodsApart() {
    Router<String> router = new Router<>();
    router.add("GET", "/users/:id", "show");
    router.add("DELETE", "/users/:id", "destroy");
    router.add("POST", "/users", "create");
    router.add("PUT", "/users/:id/x", "x");
    router.add("PROPFIND", "/dav/*path", "dav");
    PathParams p = new PathParams();
    p.reset("/users/1");
    assertThat(router.find("GET", "/users/1", p)).isEqualTo("show");
    assertThat(p.get("id")).isEqualTo("1");
    p.reset("/users/1");
    assertThat(router.find("DELETE", "/users/1", p)).isEqualTo("destroy");
    p.reset("/users/1");
    assertThat(router.find("PATCH", "/users/1", p)).isNull();
    p.reset("/dav/a/b");
    assertThat(router.find("PROPFIND", "/dav/a/b", p)).isEqualTo("dav");
    assertThat(p.get("path")).isEqualTo("/a/b");
    p.reset("/dav/a/b");
    assertThat(router.find("MKCOL", "/dav/a/b", p)).isNull();

    assertThat(router.allowedMethods("/users/1")).containsExactly("DELETE", "GET");
    assertThat(router.allowedMethods("/users")).containsExactly("POST");
    assertThat(router.allowedMethods("/dav/")).containsExactly("PROPFIND");
    assertThat(router.allowedMethods("/nope")).isEmpty();
    assertThat(router.isEmpty()).isFalse();
  }

  @Test
  void routerRejectsBadMethodsAndNamesTheMethodInConflicts() {
    Router<String> router = new Router<>();
    assertThatThrownBy(() -> router.add("GE T", "/", "v")).hasMessage("method: 'GE T' (expected: an HTTP token such as GET)");
    assertThatThrownBy(() -> router.add("", "/", "v")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> router.add("GET", "nope", "v")).hasMessage("GET route 'nope': must start with '/'");
    assertThat(router.isEmpty()).as("a rejected first route leaves no tree").isTrue();
    router.add("GET", "/users/:id", "v");
    assertThatThrownBy(() -> router.add("GET", "/users/:name", "v"))
        .hasMessageStartingWith("GET route '/users/:name' conflicts with existing route '/users/:id'");
    router.add("POST", "/users/:name", "v");
  }

  @Test
  void githubApiRoutesAreAllFoundWithTheirParams() throws IOException {
    List<String[]> routes = githubApi();
    assertThat(routes).hasSize(203);
    Router<String> router = new Router<>();
    Map<String, RadixTree<String>> trees = new LinkedHashMap<>();
    for (String[] r : routes) {
      router.add(r[0], r[1], r[0] + " " + r[1]);
      trees.computeIfAbsent(r[0], m -> new RadixTree<>()).insert(r[1], r[1]);
    }
    trees.values().forEach(TreeInvariants::check);
    PathParams p = new PathParams();
    for (String[] r : routes) {
      String path = instantiate(r[1]);
      p.reset(path);
      assertThat(router.find(r[0], path, p)).as(path).isEqualTo(r[0] + " " + r[1]);
      assertThat(params(p)).as(path).containsExactlyEntriesOf(expectedParams(r[1]));
      assertThat(router.allowedMethods(path)).as(path).contains(r[0]);
    }
    p.reset("/user/repos");
    assertThat(router.find("GET", "/user/repos", p)).isEqualTo("GET /user/repos");
    p.reset("/repos/julienschmidt/httprouter/stargazers");
    assertThat(router.find("GET", "/repos/julienschmidt/httprouter/stargazers", p))
        .isEqualTo("GET /repos/:owner/:repo/stargazers");
    assertThat(p.get("owner")).isEqualTo("julienschmidt");
    assertThat(p.get("repo")).isEqualTo("httprouter");
    p.reset("/user/repos/");
    assertThat(router.find("GET", "/user/repos/", p)).isNull();
    assertThat(p.tsr()).isTrue();
    assertThat(router.allowedMethods("/user/repos")).containsExactly("GET", "POST");
    assertThat(router.allowedMethods("/repos/a/b/hooks/1")).containsExactly("DELETE", "GET");
  }

  /** The GitHub API route table of httprouter's benchmark, as {method, path} pairs. */
  static List<String[]> githubApi() throws IOException {
    List<String[]> routes = new ArrayList<>();
    try (InputStream in = RouterTest.class.getResourceAsStream("github-api.routes");
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      for (String line; (line = reader.readLine()) != null; ) {
        if (!line.isBlank() && !line.startsWith("#")) {
          routes.add(line.trim().split(" "));
        }
      }
    }
    return routes;
  }

  /** A path the route matches: each wildcard replaced by a value made from its name. */
  static String instantiate(String route) {
    return route.replaceAll(":([^/]+)", "$1-v").replaceAll("\\*([^/]+)$", "$1-v/rest");
  }

  private static Map<String, String> expectedParams(String route) {
    Map<String, String> params = new LinkedHashMap<>();
    for (String segment : route.split("/")) {
      if (segment.startsWith(":")) {
        params.put(segment.substring(1), segment.substring(1) + "-v");
      } else if (segment.startsWith("*")) {
        params.put(segment.substring(1), "/" + segment.substring(1) + "-v/rest");
      }
    }
    return params;
  }

  private static String messageOf(String route) {
    try {
      new RadixTree<String>().insert(route, "v");
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
    throw new AssertionError("accepted " + route);
  }

  private static RadixTree<String> tree(List<String> routes) {
    RadixTree<String> tree = new RadixTree<>();
    for (String r : routes) {
      tree.insert(r, r);
    }
    return tree;
  }

  private static String find(RadixTree<String> tree, String path) {
    PathParams p = new PathParams();
    p.reset(path);
    return tree.find(path, p);
  }

  private static Map<String, String> params(PathParams p) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < p.size(); i++) {
      map.put(p.name(i), p.value(i));
    }
    return map;
  }

  private static Arguments hit(String path, String route, String... params) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < params.length; i += 2) {
      map.put(params[i], params[i + 1]);
    }
    return Arguments.of(path, route, map, false);
  }

  private static Arguments miss(String path, boolean tsr) {
    return Arguments.of(path, null, Map.of(), tsr);
  }

  private static Arguments conflict(List<String> existing, String route, String named) {
    return Arguments.of(existing, route, named);
  }
}
