// For modules preloaded into a worker by the tools: the control or log buffer the main thread put
// somewhere in the worker's workerData (a library thread nests its own under the boot data).

/** The SharedArrayBuffer of `byteLength` bytes found in `value`, searched a few levels deep. */
export function findSharedBuffer(value, byteLength, depth = 0) {
  if (value instanceof SharedArrayBuffer) return value.byteLength === byteLength ? value : undefined;
  if (value === null || typeof value !== 'object' || depth > 4) return undefined;
  for (const key of Object.keys(value)) {
    const found = findSharedBuffer(value[key], byteLength, depth + 1);
    if (found) return found;
  }
  return undefined;
}
