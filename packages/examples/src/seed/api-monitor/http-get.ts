// Thread side: the seed's requests.get(url, timeout=5) with fetch. Resolves with the status code
// of any answer (the body is read and dropped); rejects when there is no answer, with a message
// that says why (refused, timed out, ...).
export async function httpGet(url: string, options: { timeoutMs: number; signal: AbortSignal }): Promise<{ statusCode: number }> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]) });
    await response.arrayBuffer();
  } catch (e) {
    if (e instanceof Error && e.name === 'TimeoutError') throw new Error(`${url}: read timed out (timeout=${options.timeoutMs / 1000} s)`);
    // fetch's own message is only "fetch failed"; the reason (ECONNREFUSED, ...) is its cause
    const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : '';
    throw new Error(`${url}: ${e instanceof Error ? e.message : String(e)}${cause}`);
  }
  return { statusCode: response.status };
}
