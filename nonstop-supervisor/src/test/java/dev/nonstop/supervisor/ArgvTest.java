package dev.nonstop.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ArgvTest {
  static Stream<Arguments> lines() {
    return Stream.of(
        Arguments.of("java -jar hello.jar", List.of("java", "-jar", "hello.jar")),
        Arguments.of("  spaced \t out  ", List.of("spaced", "out")),
        Arguments.of("", List.of()),
        Arguments.of("   ", List.of()),
        Arguments.of("sh -c 'exec sleep 1000'", List.of("sh", "-c", "exec sleep 1000")),
        Arguments.of("echo \"a b\" c", List.of("echo", "a b", "c")),
        Arguments.of("a'b'\"c\"d", List.of("abcd")),
        Arguments.of("''", List.of("")),
        Arguments.of("x \"\" y", List.of("x", "", "y")),
        Arguments.of("'it''s'", List.of("its")),
        Arguments.of("\"it's\"", List.of("it's")),
        Arguments.of("'a \\ b'", List.of("a \\ b")),
        Arguments.of("\"say \\\"hi\\\" \\\\ \\$HOME \\n\"", List.of("say \"hi\" \\ $HOME \\n")),
        Arguments.of("a\\ b c", List.of("a b", "c")),
        Arguments.of("echo $HOME *.txt ~", List.of("echo", "$HOME", "*.txt", "~")),
        Arguments.of("a|b;c", List.of("a|b;c")));
  }

  @ParameterizedTest(name = "[{0}]")
  @MethodSource("lines")
  void splitsLikeAShellWithoutExpanding(String line, List<String> words) {
    assertThat(Argv.split(line)).isEqualTo(words);
  }

  @Test
  void refusesAnUnclosedQuote() {
    assertThatThrownBy(() -> Argv.split("sh -c 'exec sleep"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("'sh -c 'exec sleep' (expected: a closing ')");
    assertThatThrownBy(() -> Argv.split("echo \"hi"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("'echo \"hi' (expected: a closing \")");
  }

  @Test
  void refusesATrailingBackslash() {
    assertThatThrownBy(() -> Argv.split("echo \\"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("'echo \\' (expected: no trailing backslash)");
  }

  /** A config record holding a command. */
  record Cmd(@JsonDeserialize(using = Argv.Deserializer.class) List<String> command) {}

  private static List<String> read(String json) throws Exception {
    return new ObjectMapper().readValue(json, Cmd.class).command();
  }

  @Test
  void deserializerTakesAListAsIsOrSplitsAString() throws Exception {
    assertThat(read("{\"command\": [\"sh\", \"-c\", \"echo 'a b'\"]}")).containsExactly("sh", "-c", "echo 'a b'");
    assertThat(read("{\"command\": \"sh -c 'echo a'\"}")).containsExactly("sh", "-c", "echo a");
    assertThat(read("{\"command\": [\"sleep\", 10]}")).containsExactly("sleep", "10");
    assertThat(read("{\"command\": []}")).isEmpty();
  }

  @Test
  void deserializerFailsWithTheReasonAsCause() {
    assertRefused("{\"command\": \"sh -c 'x\"}", "'sh -c 'x' (expected: a closing ')");
    assertRefused("{\"command\": {\"a\": 1}}", "a mapping (expected: a list of strings, or one string)");
    assertRefused("{\"command\": 5}", "'5' (expected: a list of strings, or one string)");
    assertRefused("{\"command\": [\"a\", null]}", "null at index 1 (expected: a list of strings)");
    assertRefused("{\"command\": [\"a\", [\"b\"]]}", "a list at index 1 (expected: a list of strings)");
  }

  private static void assertRefused(String json, String reason) {
    assertThatThrownBy(() -> read(json))
        .isInstanceOf(JsonMappingException.class)
        .cause()
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(reason);
  }
}
