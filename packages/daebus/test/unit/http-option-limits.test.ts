// HTTP and WebSocket options at their limits (before: a keepAliveTimeoutMs within a second of
// Node's longest timer warned of an overflow on every connection, and a WebSocket path with "?"
// or "#" was taken, and every handshake then got 404).
import { resolveHttpOptions, resolveWebSocketOptions } from '../../src/main/http/options';

describe('http and websocket options at their limits', () => {
  it('refuses a keepAliveTimeoutMs Node would overflow once it adds its second, and takes the largest it does not', () => {
    expect(() => resolveHttpOptions('http', { keepAliveTimeoutMs: 2 ** 31 - 1 })).toThrow(
      expect.objectContaining({
        code: 'INVALID_OPTION',
        message: expect.stringContaining('keepAliveTimeoutMs must be at most 2147482647'),
      }),
    );
    expect(resolveHttpOptions('http', { keepAliveTimeoutMs: 2_147_482_647 }).keepAliveTimeoutMs).toBe(2_147_482_647);
  });

  it.each(['/ws?x=1', '/ws#a', 'ws'])('refuses the WebSocket path %p', (path) => {
    expect(() => resolveWebSocketOptions('websocket', { path })).toThrow(
      expect.objectContaining({
        code: 'INVALID_OPTION',
        message: expect.stringContaining('a path that starts with "/", without "?" or "#"'),
      }),
    );
  });
});
