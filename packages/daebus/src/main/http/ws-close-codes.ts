/** The close codes ws fails a connection with, by its error code (ws's receiver); the rest of its WS_ERR_* are 1002. */
const WS_CLOSE_CODES: Readonly<Record<string, number>> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 1009,
  WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH: 1009,
  WS_ERR_INVALID_UTF8: 1007,
  WS_ERR_TOO_MANY_BUFFERED_PARTS: 1008,
};

/** The code ws closes with as it fails a connection over `err`; undefined for an error not ws's (a socket error: no close sent). */
export function wsCloseCode(err: Error): number | undefined {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('WS_ERR_')) return undefined;
  return Object.hasOwn(WS_CLOSE_CODES, code) ? WS_CLOSE_CODES[code] : 1002;
}
