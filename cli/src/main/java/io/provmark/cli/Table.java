package io.provmark.cli;

import java.io.PrintStream;
import java.util.List;

/** Aligned plain-text columns for the human-readable outputs. */
final class Table {
    private Table() {
    }

    /** Prints rows (the first is the header) with columns two spaces apart; rightAlign per column. */
    static void print(PrintStream out, List<String[]> rows, boolean[] rightAlign) {
        int cols = rows.get(0).length;
        int[] width = new int[cols];
        for (String[] r : rows) {
            for (int c = 0; c < cols; c++) {
                width[c] = Math.max(width[c], r[c].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            sb.setLength(0);
            for (int c = 0; c < cols; c++) {
                if (c > 0) {
                    sb.append("  ");
                }
                String cell = r[c];
                String pad = " ".repeat(width[c] - cell.length());
                if (rightAlign[c]) {
                    sb.append(pad).append(cell);
                } else {
                    sb.append(cell);
                    if (c < cols - 1) {
                        sb.append(pad);
                    }
                }
            }
            out.println(sb.toString().stripTrailing());
        }
    }
}
