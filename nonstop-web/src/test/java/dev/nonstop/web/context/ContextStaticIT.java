package dev.nonstop.web.context;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.web.Engine;
import dev.nonstop.web.testing.Response;
import dev.nonstop.web.testing.Servers;
import dev.nonstop.web.testing.TestServer;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** staticDir and staticFile: content types, index.html, 404s, and no way out of the root. */
class ContextStaticIT {
  private static final String SECRET = "TOP SECRET, outside the root";
  @RegisterExtension
  static final Servers servers = new Servers();
  private static TestServer server;

  @TempDir
  static Path tmp;

  @BeforeAll
  static void start() throws IOException {
    Path root = Files.createDirectories(tmp.resolve("public"));
    Files.writeString(root.resolve("index.html"), "<h1>home</h1>");
    Files.createDirectories(root.resolve("css/deep"));
    Files.writeString(root.resolve("css/deep/site.css"), "body{}");
    Files.createDirectories(root.resolve("docs"));
    Files.writeString(root.resolve("docs/index.html"), "<h1>docs</h1>");
    Files.createDirectories(root.resolve("empty"));
    Files.writeString(tmp.resolve("secret.txt"), SECRET);
    Files.writeString(tmp.resolve("pom.xml"), SECRET);
    Files.createDirectories(tmp.resolve("outside"));
    Files.writeString(tmp.resolve("outside/inner.txt"), SECRET);
    Files.createSymbolicLink(root.resolve("leak.txt"), tmp.resolve("secret.txt"));
    Files.createSymbolicLink(root.resolve("leakdir"), tmp.resolve("outside"));
    Files.createSymbolicLink(root.resolve("alias.css"), root.resolve("css/deep/site.css"));
    Files.writeString(tmp.resolve("favicon.ico"), "icon");

    Engine app = Engine.builder().build();
    app.staticDir("/static", root);
    app.staticFile("/favicon.ico", tmp.resolve("favicon.ico"));
    app.get("/ping", c -> c.string(200, "pong"));
    server = servers.start(app);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      a nested file                           | /static/css/deep/site.css | text/css; charset=utf-8  | body{}
      index.html for the root                 | /static/                  | text/html; charset=utf-8 | <h1>home</h1>
      index.html for a subdirectory           | /static/docs/             | text/html; charset=utf-8 | <h1>docs</h1>
      a symlink that stays inside the root    | /static/alias.css         | text/css; charset=utf-8  | body{}
      """)
  void staticDirServesAFileWithItsContentTypeAndLastModified(String what, String target, String type, String body) {
    HttpResponse<String> r = server.get(target);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue(type);
    assertThat(r.headers().firstValue("Last-Modified")).isPresent();
    assertThat(r.body()).isEqualTo(body);
  }

  @Test
  void staticDirHonoursIfModifiedSince() {
    String lastModified = server.get("/static/css/deep/site.css").headers().firstValue("Last-Modified").orElseThrow();
    HttpResponse<String> r = server.get("/static/css/deep/site.css", "If-Modified-Since", lastModified);
    assertThat(r.statusCode()).isEqualTo(304);
    assertThat(r.body()).isEmpty();
  }

  @Test
  void staticDirAnswers404ForAMissingFileOrADirectoryWithoutIndex() {
    assertThat(server.get("/static/nope.txt").statusCode()).isEqualTo(404);
    assertThat(server.get("/static/css/deep/nope.css").statusCode()).isEqualTo(404);
    assertThat(server.get("/static/empty/").statusCode()).isEqualTo(404);
    assertThat(server.get("/static/css/").statusCode()).isEqualTo(404);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "/static/../secret.txt",
      "/static/../pom.xml",
      "/static/css/../../secret.txt",
      "/static/%2e%2e/secret.txt",
      "/static/%2E%2E/pom.xml",
      "/static/..%2fsecret.txt",
      "/static/%2e%2e%2fsecret.txt",
      "/static/css%2f..%2f..%2fsecret.txt",
      "/static/..%5csecret.txt",
      "/static/..\\secret.txt",
      "/static//..//secret.txt",
      "/static/leak.txt",
      "/static/leakdir/inner.txt",
      "/static/leakdir/",
      "/static/..%2f..%2f..%2f..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc/passwd"})
  void staticDirNeverServesAFileOutsideItsRoot(String target) {
    Response r = server.fetch("GET", target);
    assertThat(r.status()).as(target).isEqualTo(404);
    assertThat(r.body()).doesNotContain(SECRET).doesNotContain("root:");
  }

  @Test
  void aNulInThePathIsRefused() {
    Response r = server.fetch("GET", "/static/index.html%00.css");
    assertThat(r.status()).isIn(400, 404);
    assertThat(server.get("/ping").body()).isEqualTo("pong");
  }

  @Test
  void staticFileServesOneFileForGetAndHead() {
    HttpResponse<String> r = server.get("/favicon.ico");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("image/x-icon");
    assertThat(r.body()).isEqualTo("icon");
    Response head = server.fetch("HEAD", "/favicon.ico");
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.header("Content-Length")).isEqualTo("4");
    assertThat(head.body()).isEmpty();
  }
}
