import { stopWaitLine } from '../../src/main/http/http-left';

// The line an HTTP stop logs as it begins, naming what it waits for (requests and WebSocket messages).
describe('the line of an HTTP stop with work in hand', () => {
  it('names the requests and the WebSocket messages together, with the whole drain time', () => {
    expect(stopWaitLine(4_000, { count: 3, routes: ['GET /slow x2', 'POST /jobs'] }, ['"slow" (client u1)'])).toBe(
      'Waiting up to 4 s for 3 HTTP request(s): GET /slow x2, POST /jobs, and 1 WebSocket message(s): "slow" (client u1)',
    );
    expect(stopWaitLine(4_000, { count: 0, routes: [] }, ['"slow" (client u1)'])).toBe(
      'Waiting up to 4 s for 1 WebSocket message(s): "slow" (client u1)',
    );
  });

  it('says nothing when nothing is in hand, and names ten messages at most', () => {
    expect(stopWaitLine(4_000, { count: 0, routes: [] }, [])).toBeUndefined();
    const many = Array.from({ length: 12 }, (_, i) => `"m" (client ${i})`);
    expect(stopWaitLine(1_000, { count: 0, routes: [] }, many)).toMatch(/"m" \(client 9\), and 2 more$/);
  });
});
