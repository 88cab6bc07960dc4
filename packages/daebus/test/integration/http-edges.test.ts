// HTTP at its edges: response headers HTTP cannot carry, clients that stall mid-request, and the
// answers of requests no route takes.
import { response, type HttpOptions } from 'daebus';
import { appPerTest } from '../support/app-per-test';
import { http } from '../support/http-client';

const t = appPerTest('http_edges', { drainTimeoutMs: 2_000 });
const LOCAL: HttpOptions = { port: 0, host: '127.0.0.1' };

async function start(options: HttpOptions = {}): Promise<string> {
  await t.start({ http: { ...LOCAL, ...options } });
  return t.app.http.url as string;
}

describe('response headers HTTP cannot carry', () => {
  it('are refused where they are set, and the request is answered 500 with the reason', async () => {
    t.app
      .route('/report', () => {
        response.header('content-disposition', 'attachment; filename="отчёт.pdf"');
        return { ok: true };
      })
      .route('/newline', () => response.header('x-note', 'one\r\nset-cookie: a=b').send({ ok: true }))
      .route('/spaced', () => response.header('x note', 'yes').send({ ok: true }))
      .route('/hello', () => ({ hello: 1 }));
    const url = await start({ timeoutMs: 5_000 });
    const report = await http(`${url}/report`);
    expect(report).toMatchObject({ status: 500, body: { code: 'INVALID_ARGUMENT' } });
    expect((report.body as { error: string }).error).toMatch(/"content-disposition".*percent-encode/);
    expect(report.headers.get('content-disposition')).toBeNull();
    expect(await http(`${url}/newline`)).toMatchObject({ status: 500, body: { code: 'INVALID_ARGUMENT' } });
    expect(await http(`${url}/spaced`)).toMatchObject({ status: 500, body: { code: 'INVALID_ARGUMENT' } });
    expect(await http(`${url}/hello`)).toMatchObject({ status: 200, body: { hello: 1 } });
  });

  it('leave the handler’s own error answered when it goes on and throws', async () => {
    t.app.route('/report', () => {
      try {
        response.header('content-disposition', 'attachment; filename="отчёт.pdf"');
      } catch {
        // a handler that does not look at what header() said
      }
      throw new Error('file not ready');
    });
    const url = await start({ timeoutMs: 5_000 });
    expect(await http(`${url}/report`)).toMatchObject({ status: 500, body: { error: 'file not ready', code: 'HANDLER_ERROR' } });
    expect(await http(`${url}/report`)).toMatchObject({ status: 500, body: { error: 'file not ready' } });
  });
});
