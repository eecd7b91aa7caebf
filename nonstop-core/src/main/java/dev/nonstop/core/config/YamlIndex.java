package dev.nonstop.core.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Where each key path of a YAML document is written, and what it holds, from one streaming pass
 * over the document. Binding loses positions (a validation violation only knows {@code
 * apps[hello].instances}), so the loader reads them here. The same pass refuses what binding would
 * silently accept or report badly: syntax errors (with the key being read), duplicate keys (YAML
 * forbids them; Jackson would keep the last), merge keys ({@code <<}: YAML 1.1 only, and binding
 * a record cannot let a key override a merged one) and a second document.
 *
 * <p>The pass reads the text as written: an alias is one scalar here, expanded only by the
 * binding, so a problem in repeated content is reported at the anchor's copy or, for the copy an
 * alias makes, at the alias.
 */
final class YamlIndex {
  /** What a path holds. */
  enum Kind {
    MAPPING,
    LIST,
    SCALAR,
    NULL
  }

  /**
   * One written path.
   *
   * @param line 1-based line of the key, or of the element for list elements
   * @param column 1-based column, to order problems on one line
   * @param kind what the value is; null until the value is read
   * @param text the scalar's text, for messages
   */
  record Node(int line, int column, Kind kind, String text) {
    /** The value as messages show it: {@code 'many'}, {@code a mapping}. */
    String describe() {
      if (kind == null) {
        return "this value";
      }
      return switch (kind) {
        case MAPPING -> "a mapping";
        case LIST -> "a list";
        case NULL -> "null";
        case SCALAR -> "'" + text + "'";
      };
    }
  }

  /** YAML's merge key. */
  private static final String MERGE = "<<";

  private final Map<String, Node> nodes;

  private YamlIndex(Map<String, Node> nodes) {
    this.nodes = nodes;
  }

  /** Whether the document holds nothing: no tokens, or a lone null. */
  boolean isEmpty() {
    Node root = nodes.get("");
    return root == null || root.kind() == Kind.NULL;
  }

  /** The node written at exactly {@code path}, or null. */
  Node node(String path) {
    return nodes.get(path);
  }

  /**
   * The node at {@code path}, or at its nearest written ancestor: a missing key is reported at the
   * mapping that lacks it. Null only for an empty document.
   */
  Node nearest(String path) {
    for (String p = path; ; p = KeyPaths.parent(p)) {
      Node n = nodes.get(p);
      if (n != null || p.isEmpty()) {
        return n;
      }
    }
  }

  /** The line of {@link #nearest}, 0 when there is none. */
  int line(String path) {
    Node n = nearest(path);
    return n == null ? 0 : n.line();
  }

  /**
   * Reads the whole document once.
   *
   * @throws ConfigException on a YAML syntax error, a duplicate key or a second document
   */
  static YamlIndex scan(YAMLFactory factory, Path file, String text) {
    Map<String, Node> nodes = new HashMap<>();
    JsonParser p;
    try {
      p = factory.createParser(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a String source cannot fail to open
    }
    // Keys seen in each open mapping, innermost first.
    Deque<Set<String>> keys = new ArrayDeque<>();
    int depth = 0;
    try (p) {
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        JsonLocation at = p.currentTokenLocation();
        switch (t) {
          case FIELD_NAME -> {
            String path = path(p.getParsingContext());
            if (MERGE.equals(p.currentName())) {
              throw new ConfigException(file, path, at.getLineNr(),
                  "merge key (expected: the keys written out; aliases of whole values work, << does not)");
            }
            if (!keys.element().add(p.currentName())) {
              throw new ConfigException(
                  file, path, at.getLineNr(), "duplicate key (expected: each key once per mapping)");
            }
            nodes.put(path, new Node(at.getLineNr(), at.getColumnNr(), null, null));
          }
          case START_OBJECT, START_ARRAY -> {
            // The context is already the new container's; its name or index is the parent's.
            value(nodes, path(p.getParsingContext().getParent()), at,
                t == JsonToken.START_OBJECT ? Kind.MAPPING : Kind.LIST, null);
            if (t == JsonToken.START_OBJECT) {
              keys.push(new HashSet<>());
            }
            depth++;
          }
          case END_OBJECT, END_ARRAY -> {
            if (t == JsonToken.END_OBJECT) {
              keys.pop();
            }
            depth--;
          }
          default -> value(nodes, path(p.getParsingContext()), at,
              t == JsonToken.VALUE_NULL ? Kind.NULL : Kind.SCALAR, p.getText());
        }
        if (depth == 0) {
          JsonToken next = p.nextToken();
          if (next != null) {
            throw new ConfigException(file, "", p.currentTokenLocation().getLineNr(),
                "a second YAML document (expected: one document)");
          }
          break;
        }
      }
    } catch (StreamReadException e) {
      throw syntaxError(file, path(p.getParsingContext()), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a String source has no I/O
    }
    return new YamlIndex(nodes);
  }

  private static void value(Map<String, Node> nodes, String path, JsonLocation at, Kind kind, String text) {
    // A mapping value keeps its key's line; a list element or the root gets its own.
    Node key = nodes.get(path);
    nodes.put(path, key != null && key.kind() == null
        ? new Node(key.line(), key.column(), kind, text)
        : new Node(at.getLineNr(), at.getColumnNr(), kind, text));
  }

  /** The key path of the parser's position, as {@link KeyPaths} spells it. */
  static String path(JsonStreamContext c) {
    if (c == null || c.inRoot()) {
      return "";
    }
    String parent = path(c.getParent());
    if (c.inArray()) {
      return KeyPaths.element(parent, Math.max(c.getCurrentIndex(), 0));
    }
    String name = c.getCurrentName();
    return name == null ? parent : KeyPaths.child(parent, name);
  }

  static ConfigException syntaxError(Path file, String path, StreamReadException e) {
    // SnakeYAML's own message spans several lines with a caret drawing; keep its two phrases.
    if (e.getCause() instanceof MarkedYAMLException m && m.getProblemMark() != null) {
      Mark problemAt = m.getProblemMark();
      StringBuilder b = new StringBuilder("YAML syntax error: ").append(m.getProblem());
      Mark contextAt = m.getContextMark();
      if (m.getContext() != null) {
        b.append(" (").append(m.getContext());
        if (contextAt != null && contextAt.getLine() != problemAt.getLine()) {
          b.append(" started on line ").append(contextAt.getLine() + 1);
        }
        b.append(')');
      }
      return new ConfigException(file, path, problemAt.getLine() + 1, b.toString(), e);
    }
    JsonLocation at = e.getLocation();
    String message = String.valueOf(e.getOriginalMessage()).lines().findFirst().orElse("");
    return new ConfigException(file, path, at == null ? 0 : Math.max(at.getLineNr(), 0),
        "YAML syntax error: " + message, e);
  }
}
