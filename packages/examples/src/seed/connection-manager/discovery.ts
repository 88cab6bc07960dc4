// Thread side: the seed's discover_hosts(), asking the local discovery endpoint (network.ts).
const DISCOVERY_TIMEOUT_MS = 5_000;

/** The hosts ("127.0.0.1:port") the discovery endpoint lists now. */
export async function discoverHosts(url: string, signal: AbortSignal): Promise<string[]> {
  const response = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(DISCOVERY_TIMEOUT_MS)]) });
  if (!response.ok) throw new Error(`discovery at ${url} answered ${response.status}`);
  const hosts: unknown = await response.json();
  if (!Array.isArray(hosts) || !hosts.every((h) => typeof h === 'string')) {
    throw new Error(`discovery at ${url} did not answer with a list of host:port strings`);
  }
  return hosts;
}
