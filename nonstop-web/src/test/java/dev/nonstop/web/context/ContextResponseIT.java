package dev.nonstop.web.context;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.web.Engine;
import dev.nonstop.web.testing.Response;
import dev.nonstop.web.testing.Servers;
import dev.nonstop.web.testing.TestServer;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The response side of Context: json, string, bytes, status, headers, redirect and file. */
class ContextResponseIT {
  private static final Instant MODIFIED = Instant.parse("2024-01-02T03:04:05Z");
  private static final String MODIFIED_HTTP = "Tue, 02 Jan 2024 03:04:05 GMT";
  @RegisterExtension
  static final Servers servers = new Servers();
  private static TestServer server;

  @TempDir
  static Path files;

  @BeforeAll
  static void start() throws IOException {
    for (String name : List.of("site.css", "page.html", "data.json", "logo.png", "PHOTO.JPG", "README", "app.wasm")) {
      Path f = files.resolve(name);
      Files.writeString(f, "content of " + name);
      Files.setLastModifiedTime(f, FileTime.from(MODIFIED));
    }
    Engine app = Engine.builder().build();
    app.get("/json", c -> c.json(201, Map.of("message", "créé")));
    app.get("/string", c -> c.string(200, "héllo ✓"));
    app.get("/bytes", c -> c.bytes(200, "image/png", new byte[] {(byte) 0x89, 'P', 'N', 'G'}));
    app.get("/nothing", c -> { });
    app.get("/status/:code", c -> c.status(Integer.parseInt(c.param("code"))));
    app.get("/twice", c -> {
      c.string(200, "first");
      c.json(500, Map.of("error", "second"));
      c.status(404);
    });
    app.get("/headers", c -> {
      c.header("X-Replaced", "one").header("X-Replaced", "two");
      c.addHeader("X-Many", "a").addHeader("X-Many", "b");
      c.header("X-Removed", "gone").header("X-Removed", null);
      c.header("Content-Type", "text/csv");
      c.string(200, "a,b");
    });
    app.get("/redirect/:code", c -> c.redirect(Integer.parseInt(c.param("code")), "/target?from=" + c.param("code")));
    app.get("/file/:name", c -> c.file(files.resolve(c.param("name"))));
    app.get("/typed-file", c -> {
      c.header("Content-Type", "text/x-custom");
      c.file(files.resolve("site.css"));
    });
    server = servers.start(app);
  }

  @Test
  void jsonSendsTheValueWithItsStatusAndContentType() {
    HttpResponse<String> r = server.get("/json");
    assertThat(r.statusCode()).isEqualTo(201);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
    assertThat(r.body()).isEqualTo("{\"message\":\"créé\"}");
    assertThat(r.headers().firstValueAsLong("Content-Length")).hasValue(r.body().getBytes(StandardCharsets.UTF_8).length);
  }

  @Test
  void stringSendsUtf8Text() {
    HttpResponse<String> r = server.get("/string");
    assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
    assertThat(r.body()).isEqualTo("héllo ✓");
  }

  @Test
  void bytesSendsTheBodyWithTheGivenContentType() {
    HttpResponse<byte[]> r = sendBytes("/bytes");
    assertThat(r.headers().firstValue("Content-Type")).hasValue("image/png");
    assertThat(r.body()).containsExactly(0x89, 'P', 'N', 'G');
  }

  @Test
  void aHandlerThatWritesNothingAnswers200WithAnEmptyBody() {
    HttpResponse<String> r = server.get("/nothing");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEmpty();
    assertThat(r.headers().firstValue("Content-Length")).hasValue("0");
  }

  @ParameterizedTest
  @ValueSource(ints = {201, 202, 404, 418, 503})
  void statusAloneAnswersThatStatusWithAnEmptyBody(int code) {
    HttpResponse<String> r = server.get("/status/" + code);
    assertThat(r.statusCode()).isEqualTo(code);
    assertThat(r.body()).isEmpty();
    assertThat(r.headers().firstValue("Content-Length")).hasValue("0");
  }

  @Test
  void noContentHasNoContentLength() {
    Response r = server.fetch("GET", "/status/204");
    assertThat(r.status()).isEqualTo(204);
    assertThat(r.header("Content-Length")).isNull();
    assertThat(r.body()).isEmpty();
  }

  @Test
  void theFirstResponseWinsAndLaterWritesAreIgnored() {
    HttpResponse<String> r = server.get("/twice");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("first");
    assertThat(server.get("/string").statusCode()).as("the connection is still fine").isEqualTo(200);
  }

  @Test
  void headerReplacesAddHeaderAppendsAndNullRemoves() {
    HttpResponse<String> r = server.get("/headers");
    assertThat(r.headers().allValues("X-Replaced")).containsExactly("two");
    assertThat(r.headers().allValues("X-Many")).containsExactly("a", "b");
    assertThat(r.headers().firstValue("X-Removed")).isEmpty();
    assertThat(r.headers().allValues("Content-Type")).as("a handler's content type wins").containsExactly("text/csv");
  }

  @ParameterizedTest
  @ValueSource(ints = {301, 302, 303, 307, 308})
  void redirectSendsTheStatusAndLocation(int code) {
    HttpResponse<String> r = server.get("/redirect/" + code);
    assertThat(r.statusCode()).isEqualTo(code);
    assertThat(r.headers().firstValue("Location")).hasValue("/target?from=" + code);
    assertThat(r.body()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(ints = {200, 300, 304, 404})
  void redirectWithAnotherStatusIsAnError(int code) {
    HttpResponse<String> r = server.get("/redirect/" + code);
    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(r.headers().firstValue("Location")).isEmpty();
  }

  @ParameterizedTest
  @CsvSource({
      "site.css, text/css; charset=utf-8",
      "page.html, text/html; charset=utf-8",
      "data.json, application/json",
      "logo.png, image/png",
      "PHOTO.JPG, image/jpeg",
      "app.wasm, application/wasm",
      "README, application/octet-stream"})
  void fileSendsTheContentWithATypeFromTheExtensionAndLastModified(String name, String type) {
    HttpResponse<String> r = server.get("/file/" + name);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue(type);
    assertThat(r.headers().firstValue("Last-Modified")).hasValue(MODIFIED_HTTP);
    assertThat(r.headers().firstValueAsLong("Content-Length")).hasValue(("content of " + name).length());
    assertThat(r.body()).isEqualTo("content of " + name);
  }

  @Test
  void fileKeepsAContentTypeTheHandlerSet() {
    assertThat(server.get("/typed-file").headers().firstValue("Content-Type")).hasValue("text/x-custom");
  }

  @Test
  void fileAnswers304WhenNotModifiedSince() {
    HttpResponse<String> same = server.get("/file/site.css", "If-Modified-Since", MODIFIED_HTTP);
    assertThat(same.statusCode()).isEqualTo(304);
    assertThat(same.body()).isEmpty();
    assertThat(same.headers().firstValue("Last-Modified")).hasValue(MODIFIED_HTTP);

    HttpResponse<String> later = server.get("/file/site.css", "If-Modified-Since", "Wed, 01 Jan 2025 00:00:00 GMT");
    assertThat(later.statusCode()).isEqualTo(304);
  }

  @Test
  void fileAnswers200WhenModifiedSinceOrTheDateIsGarbage() {
    assertThat(server.get("/file/site.css", "If-Modified-Since", "Mon, 01 Jan 2024 00:00:00 GMT").statusCode())
        .isEqualTo(200);
    HttpResponse<String> garbage = server.get("/file/site.css", "If-Modified-Since", "yesterday");
    assertThat(garbage.statusCode()).isEqualTo(200);
    assertThat(garbage.body()).isEqualTo("content of site.css");
  }

  @Test
  void fileAnswers404ForAMissingFileOrADirectory() {
    HttpResponse<String> r = server.get("/file/missing.txt");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(TestServer.json(r)).isEqualTo(Map.of("error", "not found"));
    assertThat(server.get("/file/..").statusCode()).isEqualTo(404);
  }

  @ParameterizedTest(name = "HEAD {0}")
  @CsvSource(delimiter = '|', textBlock = """
      /file/page.html | 200 | text/html; charset=utf-8        | content of page.html
      /json           | 201 | application/json; charset=utf-8 | {"message":"créé"}
      """)
  void headSendsTheLengthOfTheBodyButNoBody(String target, int status, String type, String getBody) {
    Response r = server.fetch("HEAD", target); // which asserts that no byte follows the head
    assertThat(r.status()).isEqualTo(status);
    assertThat(r.header("Content-Length")).isEqualTo(String.valueOf(getBody.getBytes(StandardCharsets.UTF_8).length));
    assertThat(r.header("Content-Type")).isEqualTo(type);
    assertThat(r.body()).isEmpty();
  }

  private static HttpResponse<byte[]> sendBytes(String target) {
    try {
      return TestServer.CLIENT.send(server.request(target).build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException | InterruptedException e) {
      throw new AssertionError(e);
    }
  }
}
