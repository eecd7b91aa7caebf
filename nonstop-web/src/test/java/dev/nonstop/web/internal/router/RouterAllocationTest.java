package dev.nonstop.web.internal.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Lookups of static and param routes allocate nothing: a correctness property of the router (it
 * runs once per request), measured with the JVM's per-thread allocation counter, not a timing.
 */
class RouterAllocationTest {

  private static final int LOOKUPS = 10_000;
  /** Room for the counter's own bookkeeping; one allocation per lookup would be 10,000s of bytes. */
  private static final long SLACK_BYTES = 1024;

  @Test
  void staticAndParamLookupsAllocateNothing() throws Exception {
    Router<String> router = new Router<>();
    for (String[] r : RouterTest.githubApi()) {
      router.add(r[0], r[1], r[1]);
    }
    List<String[]> lookups = List.of(
        new String[] {"GET", "/user/repos"},
        new String[] {"GET", "/users/julienschmidt"},
        new String[] {"GET", "/repos/julienschmidt/httprouter/stargazers"},
        new String[] {"GET", "/repos/julienschmidt/httprouter/issues/42/comments"},
        new String[] {"DELETE", "/applications/abc/tokens/def"},
        new String[] {"POST", "/markdown/raw"});
    PathParams params = new PathParams();
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    int found = run(router, lookups, params, 5 * LOOKUPS);
    assertThat(found).isEqualTo(5 * LOOKUPS);
    long before = threads.getCurrentThreadAllocatedBytes();
    found = run(router, lookups, params, LOOKUPS);
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;

    assertThat(found).isEqualTo(LOOKUPS);
    assertThat(allocated).as("bytes allocated by %d lookups", LOOKUPS).isLessThan(SLACK_BYTES);
  }

  /** Keeps the JIT from dropping the name reads. */
  private static long nameChars;

  private static int run(Router<String> router, List<String[]> lookups, PathParams params, int n) {
    int found = 0;
    for (int i = 0; i < n; i++) {
      String[] lookup = lookups.get(i % lookups.size());
      params.reset(lookup[1]);
      if (router.find(lookup[0], lookup[1], params) != null) {
        found++;
      }
      // Names come from the tree, so reading them must not allocate either.
      for (int j = 0; j < params.size(); j++) {
        nameChars += params.name(j).length();
      }
    }
    return found;
  }
}
