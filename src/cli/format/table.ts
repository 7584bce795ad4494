/**
 * Column output as Vault prints it: cells trimmed, columns separated by four
 * spaces, empty cells shown as "n/a", the last column not padded; a table is
 * the same with its header row underlined by dashes.
 */

const glue = "    ";

function widthOf(text: string): number {
  return [...text].length;
}

/** Rows of cells -> aligned lines. */
export function columns(rows: ReadonlyArray<readonly string[]>): string {
  const cleaned = rows.map((row) => row.map((cell) => cell.trim()));
  const widths: number[] = [];
  for (const row of cleaned) {
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, widthOf(cell === "" ? "n/a" : cell));
    });
  }
  return cleaned
    .map((row) =>
      row
        .map((cell, index) => {
          const text = cell === "" ? "n/a" : cell;
          return index === row.length - 1 ? text : text + " ".repeat((widths[index] ?? 0) - widthOf(text));
        })
        .join(glue),
    )
    .join("\n");
}

/** A header row, its `---` underline, then the rows. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const underline = header.map((cell) => "-".repeat(widthOf(cell.trim())));
  return columns([header, underline, ...rows]);
}

/** Vault's `== Title ==` banners, padded with `=` to roughly `totalWidth`. */
export function padEqualSigns(title: string, totalWidth: number): string {
  let signs = totalWidth - (title.length + 2);
  if (signs <= 0) signs = 4;
  if (signs % 2 !== 0) signs += 1;
  const side = "=".repeat(signs / 2);
  return `${side} ${title} ${side}`;
}

/** The banner over a key/value table of `data` (key column + 4 spaces + "Value"). */
export function headerForMap(title: string, data: Readonly<Record<string, unknown>>): string {
  const longestKey = Math.max(0, ...Object.keys(data).map((key) => key.length));
  return padEqualSigns(title, longestKey + 4 + 5);
}
