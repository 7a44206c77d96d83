/**
 * The benchmark's figures: each has a value and a unit, and where a reference exists (a limit
 * measured in the same run, such as the read floor or the raw KDF rate), the reference's value and
 * the ratio to it. Targets from issue 5 are checked and shown, never enforced: a benchmark reports.
 */

/** A bound on a value or a ratio; `met` is filled in by `figure()`. */
export interface Target {
  max?: number;
  min?: number;
  met?: boolean;
}

export interface Reference {
  name: string;
  value: number;
  unit: string;
  /** figure value / reference value */
  ratio: number;
  target?: Target;
}

export interface Figure {
  id: string;
  label: string;
  value: number;
  unit: string;
  target?: Target;
  references: Reference[];
  /** What was measured, e.g. "2,040 objects in 3.1 s". */
  detail?: string;
}

export interface FigureInput {
  id: string;
  label: string;
  value: number;
  unit: string;
  target?: Omit<Target, 'met'>;
  references?: Array<Omit<Reference, 'ratio' | 'target'> & { target?: Omit<Target, 'met'> }>;
  detail?: string;
}

function check(value: number, target: Omit<Target, 'met'> | undefined): Target | undefined {
  if (!target) return undefined;
  const met = Number.isFinite(value) && (target.max === undefined || value <= target.max) && (target.min === undefined || value >= target.min);
  return { ...target, met };
}

export function figure(input: FigureInput): Figure {
  const references = (input.references ?? []).map((r) => {
    const ratio = r.value === 0 ? Number.NaN : input.value / r.value;
    const target = check(ratio, r.target);
    return { name: r.name, value: r.value, unit: r.unit, ratio, ...(target ? { target } : {}) };
  });
  const target = check(input.value, input.target);
  return {
    id: input.id, label: input.label, value: input.value, unit: input.unit, references,
    ...(target ? { target } : {}), ...(input.detail ? { detail: input.detail } : {}),
  };
}

/** Three significant digits, without exponent notation for the magnitudes a benchmark prints. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toLocaleString('en-US');
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  if (abs === 0) return '0';
  return value.toPrecision(2);
}

function formatTarget(target: Target | undefined, unit: string): string {
  if (!target) return '';
  const bound = [target.max !== undefined ? `<= ${formatNumber(target.max)}${unit}` : '', target.min !== undefined ? `>= ${formatNumber(target.min)}${unit}` : ''].filter(Boolean).join(' and ');
  return `${bound} ${target.met ? 'met' : 'MISSED'}`;
}

/** A plain-text table: one row per figure, one extra row per further reference. */
export function formatTable(figures: readonly Figure[]): string {
  const rows: string[][] = [['figure', 'value', 'reference', 'ratio', 'target']];
  for (const f of figures) {
    const value = `${formatNumber(f.value)} ${f.unit}`;
    const own = formatTarget(f.target, ` ${f.unit}`);
    if (f.references.length === 0) rows.push([f.label, value, '', '', own]);
    f.references.forEach((r, index) => {
      rows.push([
        index === 0 ? f.label : '',
        index === 0 ? value : '',
        `${r.name} ${formatNumber(r.value)} ${r.unit}`,
        `${formatNumber(r.ratio)}x`,
        [index === 0 ? own : '', formatTarget(r.target, 'x')].filter(Boolean).join('; '),
      ]);
    });
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]): string => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}
