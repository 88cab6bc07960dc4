import { fieldOf, toTaken } from '../../src/main/state/service/queue-entries';
import { notJsonEntryLine } from '../../src/main/state/service/queue-reads';

// A service-wide queue's stream entry is a flat [name, value, ...] list; another program's XADD
// can hold any names and values, so a value equal to a field name must not be taken for it.
describe('fields of a queue stream entry', () => {
  const foreign = ['note', 'v', 'v', '{not json', 'd', '2'];

  it('reads a field by its name, never by a value equal to the name', () => {
    expect(fieldOf(foreign, 'v')).toBe('{not json');
    expect(fieldOf(foreign, 'd')).toBe('2');
    expect(fieldOf(foreign, 'missing')).toBeUndefined();
    expect(fieldOf(null, 'v')).toBeUndefined();
  });

  it('names the value field text in the line of an entry that is not JSON', () => {
    const line = notJsonEntryLine('jobs', ['1-0', foreign], new Error('Unexpected token'));
    expect(line).toContain('entry 1-0');
    expect(line).toContain('Its text: "{not json"');
  });

  it('reads the item and its delivery count', () => {
    expect(toTaken(['5-1', ['d', '2', 'v', '{"a":1}']])).toEqual({ item: { a: 1 }, deliveries: 3, receipt: '5-1' });
  });
});
