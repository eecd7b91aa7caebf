package dev.nonstop.core.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import java.io.IOException;
import java.util.function.Function;

/**
 * Reads a config value written as one scalar through a parser: a YAML number is read as its text,
 * so {@code 50} and {@code "50%"} meet the same parser, and the parser's {@link
 * IllegalArgumentException} becomes a binding error at the current key, which {@link ConfigLoader}
 * shows as is. Extend it (with a no-argument constructor) for {@code @JsonDeserialize(using = ...)}.
 *
 * @param <T> the value type
 */
public class ScalarDeserializer<T> extends StdScalarDeserializer<T> {
  private final transient Function<String, T> parser;
  private final String forms;

  /** A deserializer whose wrong-shape errors (a mapping, a list) use Jackson's words for {@code type}. */
  public ScalarDeserializer(Class<T> type, Function<String, T> parser) {
    this(type, parser, null);
  }

  /**
   * A deserializer whose wrong-shape errors name the written {@code forms}.
   *
   * @param forms how the value is written, for messages: {@code a rate like 100/s}
   */
  public ScalarDeserializer(Class<T> type, Function<String, T> parser, String forms) {
    super(type);
    this.parser = parser;
    this.forms = forms;
  }

  @Override
  @SuppressWarnings("unchecked")
  public T deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_STRING || t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
      try {
        return parser.apply(p.getText());
      } catch (IllegalArgumentException e) {
        throw JsonMappingException.from(p, e.getMessage(), e);
      }
    }
    if (forms != null && (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY)) {
      // Jackson's own words would name the Java type ("a number"), not the written forms.
      throw JsonMappingException.from(p,
          (t == JsonToken.START_OBJECT ? "a mapping" : "a list") + " (expected: " + forms + ")");
    }
    return (T) ctx.handleUnexpectedToken(handledType(), p);
  }
}
