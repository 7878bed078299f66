package dev.capstan.apiserver.authn;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A static token file ({@code --token-auth-file}) in the CSV form Kubernetes uses: one line per
 * token, {@code token,user,uid,"group1,group2"}; the groups column is optional and may be quoted
 * so that it can hold commas. Blank lines and lines starting with {@code #} are skipped.
 */
public final class TokenFile {
  /** One line of the file. */
  public record Entry(String token, UserInfo user) {
    @Override
    public String toString() {
      return "Entry[user=" + user + "]";  // never print the token
    }
  }

  private TokenFile() {}

  public static List<Entry> read(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read token file " + file + ": " + e.getMessage(), e);
    }
    try {
      return parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  public static List<Entry> parse(String text) {
    List<Entry> entries = new ArrayList<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      List<String> cols = columns(line, i + 1);
      if (cols.size() < 3) {
        throw new IllegalArgumentException("line " + (i + 1) + ": expected token,user,uid[,\"groups\"], got "
            + cols.size() + " column(s)");
      }
      if (cols.get(0).isEmpty() || cols.get(1).isEmpty()) {
        throw new IllegalArgumentException("line " + (i + 1) + ": the token and the user name are required");
      }
      List<String> groups = cols.size() > 3 && !cols.get(3).isBlank()
          ? Arrays.stream(cols.get(3).split(",")).map(String::strip).filter(g -> !g.isEmpty()).toList()
          : List.of();
      entries.add(new Entry(cols.get(0), new UserInfo(cols.get(1), cols.get(2), groups)));
    }
    return entries;
  }

  /** Writes entries in the same form, so that {@link #parse} reads them back. */
  public static String format(List<Entry> entries) {
    StringBuilder sb = new StringBuilder();
    for (Entry e : entries) {
      sb.append(e.token()).append(',').append(e.user().name()).append(',').append(e.user().uid());
      if (!e.user().groups().isEmpty()) {
        sb.append(",\"").append(String.join(",", e.user().groups())).append('"');
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  /** Splits one CSV line; a field in double quotes may hold commas and "" for a quote. */
  private static List<String> columns(String line, int lineNumber) {
    List<String> cols = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          cur.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          cur.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        cols.add(cur.toString().strip());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    if (quoted) {
      throw new IllegalArgumentException("line " + lineNumber + ": unterminated quote");
    }
    cols.add(cur.toString().strip());
    return cols;
  }
}
