/**
 * Rows for a person at a terminal: a header and columns padded to line
 * up. Rows are held until a page is full, then printed with the widths of
 * that page, so that a long listing starts to show at once and memory
 * stays bounded; the header is printed once, above the first page.
 */
const PAGE_ROWS = 1000;
const GAP = '  ';

export class AlignedTable {
  private rows: string[][] = [];
  private headerPrinted = false;

  constructor(
    private readonly header: readonly string[],
    private readonly write: (text: string) => void = (text) => process.stdout.write(text),
  ) {}

  add(row: readonly string[]): void {
    this.rows.push([...row]);
    if (this.rows.length >= PAGE_ROWS) this.flush();
  }

  /** Prints the rows held so far (and the header, the first time). */
  flush(): void {
    const lines = this.headerPrinted ? this.rows : [[...this.header], ...this.rows];
    if (lines.length === 0) return;
    const widths = this.header.map((_, column) => Math.max(...lines.map((line) => (line[column] ?? '').length)));
    const text = lines.map((line) =>
      line
        .map((cell, column) => (column === line.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
        .join(GAP)
        .trimEnd(),
    );
    this.write(`${text.join('\n')}\n`);
    this.headerPrinted = true;
    this.rows = [];
  }
}
