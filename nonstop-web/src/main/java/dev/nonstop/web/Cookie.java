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

  /**
   * A cookie with every attribute given; {@link #of} gives the safe defaults.
   *
   * @throws NullPointerException when {@code name} or {@code value} is null
   * @throws IllegalArgumentException when {@code sameSite} is not Strict, Lax, None or null
   */
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

  /** A cookie with the safe defaults: {@code Path=/}, {@code HttpOnly}, {@code SameSite=Lax}, a session cookie. */
  public static Cookie of(String name, String value) {
    return new Cookie(name, value, "/", null, null, false, true, "Lax");
  }

  /** A copy with {@code Path} set (default {@code /}); null leaves the attribute out. */
  public Cookie path(String p) { return new Cookie(name, value, p, domain, maxAge, secure, httpOnly, sameSite); }

  /** A copy with {@code Domain} set (default none: the cookie goes back to this host only). */
  public Cookie domain(String d) { return new Cookie(name, value, path, d, maxAge, secure, httpOnly, sameSite); }

  /** A copy with {@code Max-Age} set: null (the default) for a session cookie, zero to delete it. */
  public Cookie maxAge(Duration a) { return new Cookie(name, value, path, domain, a, secure, httpOnly, sameSite); }

  /** A copy with {@code Secure} on or off (default off); turn it on for anything served over HTTPS. */
  public Cookie secure(boolean s) { return new Cookie(name, value, path, domain, maxAge, s, httpOnly, sameSite); }

  /** A copy with {@code HttpOnly} on or off (default on, so scripts cannot read it). */
  public Cookie httpOnly(boolean h) { return new Cookie(name, value, path, domain, maxAge, secure, h, sameSite); }

  /**
   * A copy with {@code SameSite} set (default {@code Lax}): {@code Strict}, {@code Lax}, {@code None}
   * (any case), or null to leave the attribute out.
   */
  public Cookie sameSite(String s) { return new Cookie(name, value, path, domain, maxAge, secure, httpOnly, s); }
}
