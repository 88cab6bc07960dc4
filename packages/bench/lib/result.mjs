// The one shape every benchmark returns, and how it is printed.
import { fmt } from './stats.mjs';

/**
 * Build a result. `goal` is `{ on: 'ratio' | 'library', op: '>=' | '<=' | '<', value, text }`:
 * what is compared (the ratio library/floor, or the library figure itself) and the bound; or
 * `{ none: true, text }` for a figure that is only reported (then `met` is null).
 * `peer` (optional) is another library measured in the same rounds, `{ name, value, ratio, goal }`
 * with `ratio` = library/peer and a goal on that ratio; it gets its own columns in the summary.
 * `curve` (optional) is the data behind a curve's table, kept for --json (and the charts).
 */
export function result({ library, floor, unit, ratio, goal, details = [], libraryLabel, floorLabel, ratioLabel, peer, curve }) {
  const r = ratio ?? library / floor;
  const subject = goal.on === 'ratio' ? r : library;
  const met = goal.none ? null : compare(subject, goal.op, goal.value);
  const out = { library, floor, unit, ratio: r, goal, met, details, libraryLabel, floorLabel, ratioLabel };
  if (curve) out.curve = curve;
  if (peer) {
    const peerRatio = peer.ratio ?? library / peer.value;
    out.peer = { ...peer, ratio: peerRatio, met: peer.goal.none ? null : compare(peerRatio, peer.goal.op, peer.goal.value) };
  }
  return out;
}

function compare(a, op, b) {
  if (!Number.isFinite(a)) return false;
  switch (op) {
    case '>=':
      return a >= b;
    case '<=':
      return a <= b;
    case '<':
      return a < b;
    case '>':
      return a > b;
    default:
      throw new Error(`unknown goal operator ${op}`);
  }
}

export function goalText(goal) {
  if (goal.text) return goal.text;
  if (goal.none) return 'none (reported only)';
  return goal.on === 'ratio' ? `${goal.op} ${goal.value}x` : `${goal.op} ${goal.value}`;
}

export function printResult(id, title, res, out = console.log) {
  out(`\n${id}: ${title}`);
  out(`  library  ${fmt(res.library)} ${res.unit}${res.libraryLabel ? `  (${res.libraryLabel})` : ''}`);
  out(`  floor    ${fmt(res.floor)} ${res.unit}${res.floorLabel ? `  (${res.floorLabel})` : ''}`);
  out(`  ratio    ${res.ratio.toFixed(2)}x${res.ratioLabel ? `  (${res.ratioLabel})` : ''}`);
  out(`  goal     ${goalText(res.goal)}  -> ${metText(res.met, 'MET', 'NOT MET')}`);
  if (res.peer) {
    const p = res.peer;
    out(`  peer     ${p.name} ${fmt(p.value)} ${res.unit}; library/${p.name} ${p.ratio.toFixed(2)}x`);
    out(`  goal     ${goalText(p.goal)}  -> ${metText(p.met, 'MET', 'NOT MET')}`);
  }
  for (const line of res.details) out(`    ${line}`);
}

/** How `met` reads: yes / no, or "n/a" for a figure with no goal (met === null). */
export function metText(met, yes = 'yes', no = 'NO') {
  if (met === null) return 'n/a';
  return met ? yes : no;
}
