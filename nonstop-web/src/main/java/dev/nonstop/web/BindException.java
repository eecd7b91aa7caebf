package dev.nonstop.web;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Thrown by {@link Context#bind(Class)} when the body cannot be read into the type (400, malformed
 * JSON or form) or when Bean Validation finds violations (400, one entry per field).
 */
public final class BindException extends HttpException {
  private static final long serialVersionUID = 1L;
  private final transient List<FieldError> errors;

  /** One violated constraint: the property path and the validator's message. */
  public record FieldError(String field, String message) {}

  /** A body that could not be parsed at all. */
  public BindException(String message) {
    this(message, List.of());
  }

  /** A body that parsed but broke constraints. */
  public BindException(String message, List<FieldError> errors) {
    super(400, message);
    this.errors = List.copyOf(errors);
  }

  /** The field errors, empty when the body was malformed. */
  public List<FieldError> errors() {
    return errors;
  }

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
