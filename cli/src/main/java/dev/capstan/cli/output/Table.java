package dev.capstan.cli.output;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** A kubectl-style table: upper-case headers, columns padded to the widest cell plus three spaces. */
public final class Table {
  private final List<String> headers;
  private final List<List<String>> rows = new ArrayList<>();

  public Table(List<String> headers) {
    this.headers = List.copyOf(headers);
  }

  public Table row(List<String> cells) {
    if (cells.size() != headers.size()) {
      throw new IllegalArgumentException("row has " + cells.size() + " cells, table has " + headers.size());
    }
    rows.add(List.copyOf(cells));
    return this;
  }

  public boolean isEmpty() {
    return rows.isEmpty();
  }

  public void print(PrintStream out) {
    int[] width = new int[headers.size()];
    for (int i = 0; i < width.length; i++) {
      width[i] = headers.get(i).length();
      for (List<String> r : rows) {
        width[i] = Math.max(width[i], r.get(i).length());
      }
    }
    printRow(out, headers, width);
    rows.forEach(r -> printRow(out, r, width));
  }

  private static void printRow(PrintStream out, List<String> cells, int[] width) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      sb.append(cells.get(i));
      if (i < cells.size() - 1) {
        sb.append(" ".repeat(width[i] - cells.get(i).length() + 3));
      }
    }
    out.println(sb.toString().stripTrailing());
  }
}
