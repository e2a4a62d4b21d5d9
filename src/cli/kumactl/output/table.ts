/**
 * Tables as kumactl prints them (Go text/tabwriter with minwidth 1, padding 3, spaces): every column
 * but the last is padded to its widest cell plus 3; the last is written as is. A footer, when
 * given, follows after a blank line.
 */
export interface TableData {
  headers: readonly string[];
  rows: readonly (readonly string[])[];
  footer?: string | undefined;
}

const width = (s: string): number => [...s].length; // tabwriter counts runes

export function renderTable(t: TableData): string {
  const lines = [t.headers, ...t.rows];
  const columns = Math.max(0, ...lines.map((l) => l.length));
  const widths: number[] = [];
  for (let c = 0; c < columns - 1; c++) widths[c] = Math.max(1, ...lines.map((l) => (c < l.length - 1 ? width(l[c] ?? '') : 0))) + 3;
  let out = '';
  for (const line of lines) {
    out += line.map((cell, c) => (c < line.length - 1 ? cell + ' '.repeat((widths[c] ?? 0) - width(cell)) : cell)).join('') + '\n';
  }
  if (t.footer !== undefined && t.footer !== '') out += `\n${t.footer}\n`;
  return out;
}
