import { describe, expect, it } from 'vitest';
import { figure, formatNumber, formatTable } from './report.js';

describe('figure', () => {
  it('computes the ratio to each reference and checks targets', () => {
    const f = figure({
      id: 'full', label: 'full sync', value: 20, unit: 's',
      references: [{ name: 'read floor', value: 2, unit: 's', target: { max: 10 } }, { name: 'peer', value: 80, unit: 's', target: { max: 0.2 } }],
    });
    expect(f.references.map((r) => [r.ratio, r.target?.met])).toEqual([[10, true], [0.25, false]]);
    expect(f.target).toBeUndefined();
  });

  it('checks a target on the value itself, and a missing measurement never meets one', () => {
    expect(figure({ id: 'a', label: 'a', value: 2.9, unit: 's', target: { max: 3 } }).target?.met).toBe(true);
    expect(figure({ id: 'a', label: 'a', value: 0.7, unit: 'x', target: { min: 0.8 } }).target?.met).toBe(false);
    expect(figure({ id: 'a', label: 'a', value: Number.NaN, unit: 's', target: { max: 3 } }).target?.met).toBe(false);
    expect(figure({ id: 'a', label: 'a', value: 1, unit: 's', references: [{ name: 'zero', value: 0, unit: 's' }] }).references[0]?.ratio).toBeNaN();
  });
});

describe('formatTable', () => {
  it('prints one row per reference with its ratio and verdict', () => {
    const table = formatTable([
      figure({ id: 'x', label: 'full sync', value: 20, unit: 's', references: [{ name: 'read floor', value: 2, unit: 's', target: { max: 10 } }, { name: 'peer', value: 80, unit: 's', target: { max: 0.2 } }] }),
      figure({ id: 'y', label: 'delta', value: 4, unit: 's', target: { max: 3 } }),
    ]);
    const lines = table.split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[2]).toMatch(/full sync\s+20\.0 s\s+read floor 2\.00 s\s+10\.0x\s+<= 10\.0x met/);
    expect(lines[3]).toMatch(/^\s+peer 80\.0 s\s+0\.25x\s+<= 0\.20x MISSED$/);
    expect(lines[4]).toMatch(/delta\s+4\.00 s.*<= 3\.00 s MISSED/);
  });

  it('formats numbers to about three significant digits', () => {
    expect([formatNumber(123456.7), formatNumber(12.34), formatNumber(1.234), formatNumber(0.01234), formatNumber(0), formatNumber(Number.NaN)])
      .toEqual(['123,457', '12.3', '1.23', '0.012', '0', 'n/a']);
  });
});
