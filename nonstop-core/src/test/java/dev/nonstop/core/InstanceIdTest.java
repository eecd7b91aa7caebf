package dev.nonstop.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class InstanceIdTest {
  @Test
  void parsesAndPrintsAppColonIndex() {
    assertThat(InstanceId.parse("hello:2")).isEqualTo(new InstanceId("hello", 2));
    assertThat(new InstanceId("hello", 2)).hasToString("hello:2");
    assertThat(new InstanceId("a", 1)).isLessThan(new InstanceId("a", 10)).isLessThan(new InstanceId("b", 0));
  }

  @Test
  void rejectsMalformedIds() {
    for (String bad : new String[] {"hello", "hello:", ":1", "hello:x", "hello:-1"}) {
      assertThatThrownBy(() -> InstanceId.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
