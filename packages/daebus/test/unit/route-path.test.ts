// Route paths are checked at registration: what Fastify would route differently from what was
// written is refused with INVALID_OPTION saying how to write it.
import { parseRoutePath } from '../../src/main/http/route-path';

describe('a route path', () => {
  it('takes "<name>" and ":name" parameters', () => {
    expect(parseRoutePath('app.route', '/items/<id>/:part')).toMatchObject({ fastify: '/items/:id/:part', params: ['id', 'part'] });
  });

  it('refuses a "{name}" parameter, saying how to write it (before: taken as literal text, so /items/7 was 404)', () => {
    expect(() => parseRoutePath('app.route', '/items/{id}')).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringMatching(/written "<name>" or ":name" \(write "<id>"\)/) }),
    );
    expect(() => parseRoutePath('app.route', '/items/{id}.json')).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });

  it('refuses parameters that are not whole segments, and wildcards', () => {
    for (const path of ['/items/<id>.json', '/items/<int:id>', '/files/*', '/a:b']) {
      expect(() => parseRoutePath('app.route', path)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    }
  });
});
