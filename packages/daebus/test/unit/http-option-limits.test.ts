// HTTP and WebSocket options at their limits (before: a keepAliveTimeoutMs within a second of
// Node's longest timer warned of an overflow on every connection, and a WebSocket path with "?"
// or "#" was taken, and every handshake then got 404; a long route path came back whole, twice).
import { resolveHttpOptions, resolveWebSocketOptions } from '../../src/main/http/options';
import { prepareRoute } from '../../src/main/http/route-entry';
import { Daebus } from '../../src/main/app/daebus';

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

  it('refuses a blank host, or one with spaces around it, for HTTP and WebSocket', () => {
    const refusal = expect.objectContaining({
      code: 'INVALID_OPTION',
      message: expect.stringContaining('options.host must be a host name or address'),
    });
    expect(() => resolveHttpOptions('http', { host: ' ' })).toThrow(refusal);
    expect(() => resolveWebSocketOptions('websocket', { host: ' ' })).toThrow(refusal);
    expect(() => resolveHttpOptions('http', { host: ' 127.0.0.1' })).toThrow(refusal);
  });

  it.each(['/ws?x=1', '/ws#a', 'ws'])('refuses the WebSocket path %p', (path) => {
    expect(() => resolveWebSocketOptions('websocket', { path })).toThrow(
      expect.objectContaining({
        code: 'INVALID_OPTION',
        message: expect.stringContaining('a path that starts with "/", without "?" or "#"'),
      }),
    );
  });

  // before: the 10 000 characters came back twice in the message
  it('repeats a long route path clipped in its refusal', () => {
    let message = '';
    try {
      prepareRoute(`/${'a'.repeat(10_000)} b`, () => 1);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^Route \/a{119}\.\.\.: path must be a path without spaces, "\?" or "#" \(got "\/a+\.\.\.\)\.$/);
    expect(message.length).toBeLessThan(400);
  });

  it('names a long route registered twice clipped', () => {
    const app = new Daebus('limits');
    const path = `/${'a'.repeat(10_000)}`;
    app.route(path, () => 1);
    expect(() => app.route(path, () => 1)).toThrow(
      expect.objectContaining({
        code: 'DUPLICATE_NAME',
        message: expect.stringMatching(/^The route GET \/a{119}\.\.\. is already registered by the app\./),
      }),
    );
  });
});
