// Type tests: compiled by the package's typecheck (tsc), never run. increment() is there only
// for a map whose values may be numbers.
import { Daebus } from 'daebus';
import { defineThread } from 'daebus/thread';

const app = new Daebus('state_maps');
void app.map<number>('hits').increment('a');
void app.map('untyped').increment('a', 2); // values unknown: may be numbers
void app.map<number | { total: number }>('mixed').increment('a');
// @ts-expect-error a map of strings holds no number to add to
void app.map<string>('names').increment('a');
// @ts-expect-error nor does a map of objects
void app.map<{ total: number }>('totals').increment('a');

export default defineThread(async (_running, t) => {
  await t.map<number>('hits').increment('b');
  // @ts-expect-error the same in a thread
  await t.map<string>('names').increment('b');
});
