package dev.nonstop.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class SignalTest {
  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource({
    "TERM, TERM",
    "SIGTERM, TERM",
    "term, TERM",
    "sigint, INT",
    "' HUP ', HUP",
    "15, TERM",
    "9, KILL",
    "10, USR1",
    "12, USR2",
    "3, QUIT",
  })
  void parsesNamesWithOrWithoutSigAndNumbers(String text, Signal expected) {
    assertThat(Signal.parse(text)).isEqualTo(expected);
  }

  @ParameterizedTest
  @EnumSource(Signal.class)
  void everySignalParsesFromItsNameAndNumber(Signal s) {
    assertThat(Signal.parse(s.name())).isEqualTo(s);
    assertThat(Signal.parse(Integer.toString(s.number()))).isEqualTo(s);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "SIG", "TERMINATE", "STOP", "0", "99", "SIGSIGTERM"})
  void refusesOthersNamingTheValue(String text) {
    assertThatThrownBy(() -> Signal.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("'" + text + "' (expected: one of TERM, INT, HUP, QUIT, KILL, USR1, USR2, with or without SIG)");
  }
}
