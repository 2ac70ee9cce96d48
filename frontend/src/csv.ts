// CSV for spreadsheets: UTF-8 with a byte order mark (without one, Excel
// reads the file as the local code page and garbles Chinese), CRLF line
// ends, RFC 4180 quoting, and text that a spreadsheet would run as a
// formula made inert.

export type CsvValue = string | number | null | undefined;

/** The byte order mark that tells Excel the file is UTF-8. */
export const BOM = '\uFEFF';

/** One field: quoted when needed; text starting like a formula gets a leading apostrophe. */
export function csvCell(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  let s = v;
  // =, +, -, @ (and a leading tab or CR) start a formula in Excel and
  // LibreOffice: names from the database must stay text.
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A whole file: BOM, then one CRLF-terminated line per row. */
export function toCsv(rows: readonly (readonly CsvValue[])[]): string {
  return BOM + rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** Makes the browser save text as a file. */
export function download(filename: string, body: string, type = 'text/csv;charset=utf-8'): void {
  saveBlob(new Blob([body], { type }), filename);
}

/** Makes the browser save a blob as a file (a hidden link clicked once). */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked once the download has its own copy.
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
