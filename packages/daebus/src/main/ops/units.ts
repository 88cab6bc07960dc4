// Human forms of the numbers the ops views show: durations, byte counts, shares.

/** "350ms", "4.2s", "59.9s", "1m05s", "1h02m", "3d04h": two units at most, short enough for a table cell. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (abs < 1_000) return `${sign}${Math.round(abs)}ms`;
  // 59.95 s would round to "60.0s": show it as a minute instead
  if (abs < 59_950) return `${sign}${(abs / 1_000).toFixed(1)}s`;
  const seconds = Math.round(abs / 1_000);
  const two = (n: number): string => String(n).padStart(2, '0');
  if (seconds < 3_600) return `${sign}${Math.floor(seconds / 60)}m${two(seconds % 60)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 24 * 60) return `${sign}${Math.floor(minutes / 60)}h${two(minutes % 60)}m`;
  const hours = Math.floor(minutes / 60);
  return `${sign}${Math.floor(hours / 24)}d${two(hours % 24)}h`;
}

const BYTE_UNITS = ['KiB', 'MiB', 'GiB', 'TiB'];

/** "512 B", "12.3 MiB", "1.5 GiB" (powers of 1024, as V8 and `top` count). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '-';
  if (Math.abs(bytes) < 1_024) return `${Math.round(bytes)} B`;
  let value = bytes;
  let unit = 'B';
  for (const next of BYTE_UNITS) {
    if (Math.abs(value) < 1_024) break;
    value /= 1_024;
    unit = next;
  }
  return `${value.toFixed(1)} ${unit}`;
}

/** A share from 0 to 1 as a percent: "0%", "0.4%", "37%", "100%". */
export function formatPercent(share: number): string {
  if (!Number.isFinite(share)) return '-';
  const percent = share * 100;
  if (percent === 0) return '0%';
  // a share that is small but not nothing should not read as an idle "0%"
  if (percent < 9.95) return `${percent.toFixed(1)}%`;
  return `${Math.round(percent)}%`;
}

/** A configured wait as the log says it: whole seconds as `10 s`, else milliseconds (`1500 ms`). */
export function waitText(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
