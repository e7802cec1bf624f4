/**
 * The CLI's view of diagnostics (`npm run train -- --diagnostics [K]`): a compact per-layer table printed at
 * each epoch's end, and the per-layer records of the --json epoch lines.
 */
import type { StepDiagnostics } from '../src/train/diagnostics.ts';

const number = (v: number): string => (!Number.isFinite(v) ? String(v) : v === 0 ? '0' : Math.abs(v) >= 1e-2 && Math.abs(v) < 1e4 ? v.toFixed(4) : v.toExponential(2));

/** The table for one sample: a line per layer, indented under the epoch's line. */
export function diagnosticsTable(d: StepDiagnostics): string {
  const header = ['layer', 'act mean', 'act std', 'dead', 'dL/dz std', 'dL/dW std', 'update log10'];
  const rows = d.layers.map((l) => [String(l.layer), number(l.actMean), number(l.actStd), `${(100 * l.deadFrac).toFixed(1)}%`, number(l.gradStd), number(l.weightGradStd), Number.isFinite(l.updateRatio) ? l.updateRatio.toFixed(2) : String(l.updateRatio)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => `  ${cells.map((c, i) => c.padStart(widths[i])).join('  ')}`;
  const broke = d.nonFinite ? [`  not finite since step ${d.nonFinite.step}: layer ${d.nonFinite.layer}'s ${d.nonFinite.what}`] : [];
  return [`  diagnostics at step ${d.step}:`, line(header), ...rows.map(line), ...broke].join('\n');
}

/** The layers as --json writes them (update_ratio is log10(std(dW) / std(W)); JSON has no Infinity: null). */
export function diagnosticsRecords(d: StepDiagnostics): Array<Record<string, number>> {
  return d.layers.map((l) => ({
    layer: l.layer,
    act_mean: l.actMean,
    act_std: l.actStd,
    dead_frac: l.deadFrac,
    grad_std: l.gradStd,
    weight_grad_std: l.weightGradStd,
    update_ratio: l.updateRatio,
  }));
}
