// The few builders every bench report is made of: Markdown tables (readable in a terminal too) and number
// formats, and the machine line.
import os from 'node:os';

const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;

export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Milliseconds with the precision their size deserves. */
export const ms = (v: number): string =>
  Number.isNaN(v) ? '–' : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : String(Math.round(v));
export const int = (v: number): string => Math.round(v).toLocaleString('en-US');
export const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
export const fixed = (v: number, digits = 3): string => v.toFixed(digits);

export function errorText(errors: Map<string, number>): string {
  let total = 0;
  for (const n of errors.values()) total += n;
  if (total === 0) return '0';
  const kinds = [...errors].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${int(n)} ${k}`);
  return `${int(total)} (${kinds.slice(0, 2).join(', ')})`;
}

export function machineLine(): string {
  const cpus = os.cpus();
  return (
    `Machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown'}), Node ${process.version}, ` +
    `${os.type()} ${os.release()}.`
  );
}
