package dev.nonstop.web;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * A response cookie. Defaults are the safe ones: {@code Path=/}, {@code HttpOnly},
 * {@code SameSite=Lax}; {@code Secure} is up to the caller because plain-HTTP development needs it off.
 *
 * <pre>{@code c.setCookie(Cookie.of("session", id).maxAge(Duration.ofHours(1)).secure(true)); }</pre>
 *
 * @param maxAge null for a session cookie, zero to delete
 */
public record Cookie(String name, String value, String path, String domain, Duration maxAge,
    boolean secure, boolean httpOnly, String sameSite) {

  public Cookie {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    // Checked here, not when the response is written, where a typo would surface as a 500.
    sameSite = sameSite == null ? null : switch (sameSite.toLowerCase(Locale.ROOT)) {
      case "strict" -> "Strict";
      case "lax" -> "Lax";
      case "none" -> "None";
      default -> throw new IllegalArgumentException("sameSite: '" + sameSite + "' (expected: Strict, Lax or None)");
    };
  }

  /** A cookie with the safe defaults. */
  public static Cookie of(String name, String value) {
    return new Cookie(name, value, "/", null, null, false, true, "Lax");
  }

  public Cookie path(String p) { return new Cookie(name, value, p, domain, maxAge, secure, httpOnly, sameSite); }
  public Cookie domain(String d) { return new Cookie(name, value, path, d, maxAge, secure, httpOnly, sameSite); }
  public Cookie maxAge(Duration a) { return new Cookie(name, value, path, domain, a, secure, httpOnly, sameSite); }
  public Cookie secure(boolean s) { return new Cookie(name, value, path, domain, maxAge, s, httpOnly, sameSite); }
  public Cookie httpOnly(boolean h) { return new Cookie(name, value, path, domain, maxAge, secure, h, sameSite); }
  /** {@code Strict}, {@code Lax}, {@code None} (any case), or null to leave the attribute out. */
  public Cookie sameSite(String s) { return new Cookie(name, value, path, domain, maxAge, secure, httpOnly, s); }
}
