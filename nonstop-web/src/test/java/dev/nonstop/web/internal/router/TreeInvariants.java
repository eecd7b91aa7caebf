package dev.nonstop.web.internal.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;

/** Checks the structural invariants of a built {@link RadixTree} that lookups rely on. */
final class TreeInvariants {

  private TreeInvariants() {}

  static void check(RadixTree<?> tree) {
    Node<?> root = tree.root();
    assertThat(root.prefix).isEmpty();
    assertThat(root.value).isNull();
    assertThat(root.param).isNull();
    assertThat(root.catchAll).isNull();
    for (Node<?> child : root.children) {
      assertThat(child.prefix).startsWith("/");
    }
    checkChildren(root, "");
  }

  private static void check(Node<?> n, String text) {
    String at = "node at '" + text + "'";
    switch (n.kind) {
      case STATIC -> {
        assertThat(n.prefix).as(at).isNotEmpty().doesNotContain(":", "*");
        assertThat(n.name).as(at).isNull();
        // Compressed: a static node that routes nowhere and has one way on is merged with it.
        boolean passThrough = n.value == null && n.param == null && n.catchAll == null && n.children.length == 1;
        assertThat(passThrough).as(at + " is a needless split").isFalse();
      }
      case PARAM -> {
        assertThat(n.prefix).as(at).isEmpty();
        assertThat(n.name).as(at).isNotEmpty().doesNotContain("/", ":", "*");
        assertThat(n.param).as(at + ": a param directly after a param").isNull();
        assertThat(n.catchAll).as(at + ": a catch-all directly after a param").isNull();
        for (Node<?> child : n.children) {
          assertThat(child.prefix).as(at + ": text after a param starts a new segment").startsWith("/");
        }
      }
      case CATCH_ALL -> {
        assertThat(n.name).as(at).isNotEmpty().doesNotContain("/", ":", "*");
        assertThat(n.value).as(at + ": a catch-all is a leaf with a value").isNotNull();
        assertThat(n.children).as(at).isEmpty();
        assertThat(n.param).as(at).isNull();
        assertThat(n.catchAll).as(at).isNull();
      }
    }
    assertThat(n.value == null).as(at + ": value and its route go together").isEqualTo(n.valueRoute == null);
    boolean leaf = n.children.length == 0 && n.param == null && n.catchAll == null;
    assertThat(leaf && n.value == null).as(at + " is a dead end").isFalse();
    checkChildren(n, text);
  }

  private static void checkChildren(Node<?> n, String text) {
    String here = text + n.prefix + (n.kind == Template.Kind.STATIC ? "" : (n.kind == Template.Kind.PARAM ? ":" : "*") + n.name);
    String at = "node at '" + here + "'";
    assertThat(n.indices).as(at).hasSize(n.children.length);
    Set<Character> firsts = new HashSet<>();
    for (int i = 0; i < n.children.length; i++) {
      Node<?> child = n.children[i];
      assertThat(child.kind).as(at).isEqualTo(Template.Kind.STATIC);
      assertThat(n.indices[i]).as(at + ": index of child " + i).isEqualTo(child.prefix.charAt(0));
      assertThat(firsts.add(n.indices[i])).as(at + ": two children start with " + n.indices[i]).isTrue();
    }
    if (n.param != null || n.catchAll != null) {
      assertThat(here).as(at + ": wildcards start a segment").endsWith("/");
    }
    if (n.param != null) {
      assertThat(n.param.kind).isEqualTo(Template.Kind.PARAM);
    }
    if (n.catchAll != null) {
      assertThat(n.catchAll.kind).isEqualTo(Template.Kind.CATCH_ALL);
      assertThat(n.value).as(at + ": a catch-all is alone at its position").isNull();
      assertThat(n.param).as(at + ": a catch-all is alone at its position").isNull();
      assertThat(n.children).as(at + ": a catch-all is alone at its position").isEmpty();
    }
    for (Node<?> child : n.children) {
      check(child, here);
    }
    if (n.param != null) {
      check(n.param, here);
    }
    if (n.catchAll != null) {
      check(n.catchAll, here);
    }
  }
}
