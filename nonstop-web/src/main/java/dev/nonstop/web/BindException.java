package dev.nonstop.web;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Thrown by {@link Context#bind(Class)} and {@link Context#bindQuery(Class)} when the input cannot be
 * read into the type (400, malformed JSON or form) or when Bean Validation finds violations (400,
 * one entry per field).
 */
public final class BindException extends HttpException {
  private static final long serialVersionUID = 1L;
  private final transient List<FieldError> errors;

  /**
   * One violated constraint.
   *
   * @param field the property path, such as {@code address.zip} or {@code items[2].qty}
   * @param message the validator's message
   */
  public record FieldError(String field, String message) {}

  /** A 400 for a body that could not be parsed at all; {@code message} is sent to the client. */
  public BindException(String message) {
    this(message, List.of());
  }

  /** A 400 for a body that parsed but broke constraints, one entry per violation. */
  public BindException(String message, List<FieldError> errors) {
    super(400, message);
    this.errors = List.copyOf(errors);
  }

  /** The field errors, empty when the body was malformed. */
  public List<FieldError> errors() {
    return errors;
  }

  /** {@code {"error": message}}, plus {@code "errors": [{"field", "message"}]} when there are any. */
  @Override
  public Object body() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", getMessage());
    if (!errors.isEmpty()) {
      body.put("errors", errors);
    }
    return body;
  }
}
