// Thread side: the seed's fetch_external_data(), asking the example's local data source
// (data-source.ts) over HTTP. Nothing leaves the machine.
const FETCH_TIMEOUT_MS = 5_000;

/** The data source's current readings, key -> value. */
export async function fetchExternalData(url: string, signal: AbortSignal): Promise<Record<string, unknown>> {
  const response = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(FETCH_TIMEOUT_MS)]) });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`${url} answered ${response.status}`);
  }
  const data: unknown = await response.json();
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new Error(`${url} did not answer with a JSON object`);
  return data as Record<string, unknown>;
}
