import Table from 'cli-table3';

/** Renders rows as a plain table for terminals. */
export function renderTable(head: string[], rows: (string | number | boolean | undefined)[][]): string {
  const table = new Table({ head, style: { head: [], border: [] } });
  for (const row of rows) table.push(row.map((c) => (c === undefined ? '' : String(c))));
  return table.toString();
}
