// Small statistics and formatting helpers shared by every benchmark file.

/** Median of a list of numbers (mean of the two middle values for an even count). */
export function median(values) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function min(values) {
  return Math.min(...values);
}

export function max(values) {
  return Math.max(...values);
}

/** A number with a fixed count of significant digits, without exponent for usual magnitudes. */
export function fmt(value, digits = 3) {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${(value / 1e9).toPrecision(digits)}G`;
  if (abs >= 1e6) return `${(value / 1e6).toPrecision(digits)}M`;
  if (abs >= 1e4) return `${(value / 1e3).toPrecision(digits)}k`;
  return Number(value.toPrecision(digits)).toString();
}

/** "median x (p95 y, n=z)" for a list of samples in `unit`. */
export function summary(values, unit) {
  return `median ${fmt(median(values))} ${unit}, p95 ${fmt(percentile(values, 95))} ${unit}, min ${fmt(min(values))}, max ${fmt(max(values))} (n=${values.length})`;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Milliseconds on the shared performance clock (comparable between threads to about 0.1 ms). */
export const now = () => performance.timeOrigin + performance.now();
