package dev.nonstop.supervisor;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A command line as config gives it: a YAML list taken as is, or one string split into words the
 * way a POSIX shell splits them (whitespace separates, single and double quotes group, backslash
 * escapes), without expanding variables, globs or anything else; no shell ever runs.
 */
public final class Argv {
  private Argv() {}

  /**
   * Splits {@code line} into words.
   *
   * @throws IllegalArgumentException on an unclosed quote or a trailing backslash
   */
  public static List<String> split(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder w = new StringBuilder();
    boolean inWord = false;
    char quote = 0;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quote == '\'') {
        if (c == '\'') {
          quote = 0;
        } else {
          w.append(c);
        }
      } else if (quote == '"') {
        if (c == '"') {
          quote = 0;
        } else if (c == '\\' && i + 1 < line.length() && "\"\\$`".indexOf(line.charAt(i + 1)) >= 0) {
          w.append(line.charAt(++i));
        } else {
          w.append(c);
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
        inWord = true;
      } else if (c == '\\') {
        if (i + 1 == line.length()) {
          throw new IllegalArgumentException("'" + line + "' (expected: no trailing backslash)");
        }
        w.append(line.charAt(++i));
        inWord = true;
      } else if (Character.isWhitespace(c)) {
        if (inWord) {
          out.add(w.toString());
          w.setLength(0);
          inWord = false;
        }
      } else {
        w.append(c);
        inWord = true;
      }
    }
    if (quote != 0) {
      throw new IllegalArgumentException("'" + line + "' (expected: a closing " + quote + ")");
    }
    if (inWord) {
      out.add(w.toString());
    }
    return out;
  }

  /**
   * Reads a command as a YAML list of strings, or as one string to {@link #split}. A bad command
   * fails with an {@link IllegalArgumentException} as the cause, whose message names the value and
   * the expectation; the config loader shows that message.
   */
  public static final class Deserializer extends JsonDeserializer<List<String>> {
    @Override
    public List<String> deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
      try {
        return read(p);
      } catch (IllegalArgumentException e) {
        throw JsonMappingException.from(p, e.getMessage(), e);
      }
    }

    private static List<String> read(JsonParser p) throws IOException {
      if (p.currentToken() == JsonToken.VALUE_STRING) {
        return split(p.getText());
      }
      if (p.currentToken() == JsonToken.START_ARRAY) {
        List<String> out = new ArrayList<>();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
          if (!t.isScalarValue() || t == JsonToken.VALUE_NULL) {
            throw new IllegalArgumentException(
                shown(p) + " at index " + out.size() + " (expected: a list of strings)");
          }
          out.add(p.getText());
        }
        return out;
      }
      throw new IllegalArgumentException(shown(p) + " (expected: a list of strings, or one string)");
    }

    private static String shown(JsonParser p) throws IOException {
      JsonToken t = p.currentToken();
      if (t == JsonToken.START_OBJECT) {
        return "a mapping";
      }
      if (t == JsonToken.START_ARRAY) {
        return "a list";
      }
      return t == JsonToken.VALUE_NULL ? "null" : "'" + p.getText() + "'";
    }
  }
}
