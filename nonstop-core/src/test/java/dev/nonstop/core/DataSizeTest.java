package dev.nonstop.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DataSizeTest {
  @ParameterizedTest(name = "{0} = {1} bytes")
  @CsvSource({
    "4096, 4096",
    "10B, 10",
    "64k, 65536",
    "64KiB, 65536",
    "512MiB, 536870912",
    "512mi, 536870912",
    "1.5GiB, 1610612736",
    "2G, 2147483648",
    "10KB, 10000",
    "10MB, 10000000",
    "1GB, 1000000000",
    "'10 MiB', 10485760",
    "0, 0",
  })
  void binaryUnitsArePowersOf1024AndDecimalOnesOf1000(String text, long bytes) {
    assertThat(DataSize.parse(text).bytes()).isEqualTo(bytes);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "MiB", "-1MiB", "10 apples", "1TB", "1.2.3M", "ten"})
  void refusesAnythingElseNamingTheValue(String text) {
    assertThatThrownBy(() -> DataSize.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("'" + text + "' (expected: a size like 512MiB, 10MB, 64KiB or a number of bytes)");
  }

  @Test
  void refusesNegativeBytes() {
    assertThatThrownBy(() -> new DataSize(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("size: -1 (expected: >= 0 bytes)");
  }

  @Test
  void printsTheLargestExactBinaryUnit() {
    assertThat(DataSize.ofMiB(512)).hasToString("512MiB");
    assertThat(new DataSize(2L << 30)).hasToString("2GiB");
    assertThat(new DataSize(1024)).hasToString("1KiB");
    assertThat(new DataSize(1000)).hasToString("1000B");
    assertThat(new DataSize(0)).hasToString("0B");
  }

  @ParameterizedTest
  @ValueSource(longs = {0, 1, 1000, 1024, 1536, 1L << 20, 3L << 30})
  void toStringReadsBack(long bytes) {
    assertThat(DataSize.parse(new DataSize(bytes).toString()).bytes()).isEqualTo(bytes);
  }
}
