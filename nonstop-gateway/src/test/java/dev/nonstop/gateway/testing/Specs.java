package dev.nonstop.gateway.testing;

import dev.nonstop.core.config.ConfigLoader;
import dev.nonstop.gateway.GatewayRules;
import dev.nonstop.gateway.GatewaySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Gateway configs for tests, written as the YAML a user would write (the {@code gateway:} block's content). */
public final class Specs {
  private Specs() {}

  /** Parses and checks {@code yaml}, failing the test on any config problem. */
  public static GatewaySpec yaml(String yaml) {
    try {
      Path f = Files.createTempFile("gateway", ".yaml");
      try {
        Files.writeString(f, yaml);
        return ConfigLoader.load(f, GatewaySpec.class, s -> GatewayRules.check(s, ""));
      } finally {
        Files.deleteIfExists(f);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
