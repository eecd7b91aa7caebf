package dev.nonstop.web.internal.router;

/**
 * One node of a {@link RadixTree}.
 *
 * <p>A static node consumes its {@code prefix}; a param node consumes one non-empty segment; a
 * catch-all node consumes the rest of the path and is always a leaf. What may follow a node, and
 * is tried in this order by a lookup: static children (distinct first characters, kept in {@code
 * indices} so the right one is found without touching the others), one param child, one catch-all
 * child. Wildcard children hang only where a segment starts, and a catch-all child excludes every
 * other continuation, including a route ending at this node.
 *
 * <p>Fields are plain and mutable because only {@link RadixTree#insert} writes them, before the
 * tree is published to the threads that read it.
 */
final class Node<T> {

  private static final char[] NO_INDICES = {};
  private static final Node<?>[] NO_CHILDREN = {};

  final Template.Kind kind;
  /** Static text consumed by this node; empty for wildcard nodes and the root. */
  String prefix;
  /** The wildcard's name as registered; {@code null} for static nodes. */
  final String name;
  /** A route through this node, so a conflict message can name an existing route. */
  final String route;

  /** First character of each static child, same order as {@link #children}. */
  char[] indices = NO_INDICES;
  Node<T>[] children = noChildren();
  Node<T> param;
  Node<T> catchAll;

  /** The value of the route that ends here, or {@code null}. */
  T value;
  /** The route that ends here, or {@code null}. */
  String valueRoute;

  Node(Template.Kind kind, String prefix, String name, String route) {
    this.kind = kind;
    this.prefix = prefix;
    this.name = name;
    this.route = route;
  }

  /** The static child starting with {@code c}, or {@code null}. */
  Node<T> child(char c) {
    char[] idx = indices;
    for (int i = 0; i < idx.length; i++) {
      if (idx[i] == c) {
        return children[i];
      }
    }
    return null;
  }

  void addChild(Node<T> child) {
    int n = indices.length;
    char[] idx = new char[n + 1];
    System.arraycopy(indices, 0, idx, 0, n);
    idx[n] = child.prefix.charAt(0);
    Node<T>[] kids = java.util.Arrays.copyOf(children, n + 1);
    kids[n] = child;
    indices = idx;
    children = kids;
  }

  /**
   * Splits static child {@code child} after {@code at} characters, so that a node ends exactly
   * there; returns the new upper node, which takes the child's place.
   */
  Node<T> split(Node<T> child, int at) {
    Node<T> upper = new Node<>(Template.Kind.STATIC, child.prefix.substring(0, at), null, child.route);
    child.prefix = child.prefix.substring(at);
    upper.addChild(child);
    for (int i = 0; i < children.length; i++) {
      if (children[i] == child) {
        children[i] = upper;
      }
    }
    return upper;
  }

  boolean hasStaticChildren() {
    return children.length > 0;
  }

  @SuppressWarnings("unchecked")
  private static <T> Node<T>[] noChildren() {
    return (Node<T>[]) NO_CHILDREN;
  }
}
