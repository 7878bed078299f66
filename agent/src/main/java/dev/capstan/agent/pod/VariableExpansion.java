package dev.capstan.agent.pod;

import java.util.function.Function;

/**
 * Kubernetes' {@code $(VAR_NAME)} references in env values, command and args: a defined variable
 * is replaced by its value, an undefined one is left as written, and {@code $$} is an escaped
 * {@code $} (so {@code $$(VAR)} yields the literal {@code $(VAR)}).
 */
public final class VariableExpansion {
  private VariableExpansion() {}

  /** @param lookup a variable's value, or null when it is not defined */
  public static String expand(String input, Function<String, String> lookup) {
    if (input.indexOf('$') < 0) {
      return input;
    }
    StringBuilder out = new StringBuilder(input.length());
    int i = 0;
    while (i < input.length()) {
      char c = input.charAt(i);
      if (c != '$' || i + 1 >= input.length()) {
        out.append(c);
        i++;
        continue;
      }
      char next = input.charAt(i + 1);
      if (next == '$') {
        out.append('$');
        i += 2;
      } else if (next == '(') {
        int close = input.indexOf(')', i + 2);
        if (close < 0) {
          out.append(input, i, input.length());
          break;
        }
        String name = input.substring(i + 2, close);
        String value = name.isEmpty() ? null : lookup.apply(name);
        out.append(value != null ? value : input.substring(i, close + 1));
        i = close + 1;
      } else {
        out.append(c).append(next);
        i += 2;
      }
    }
    return out.toString();
  }
}
