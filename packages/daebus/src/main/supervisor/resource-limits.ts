import type { Checker } from '../../shared/validate';

/** The fields of a thread's `resourceLimits`, as Node's Worker takes them. */
export const RESOURCE_LIMITS = ['maxYoungGenerationSizeMb', 'maxOldGenerationSizeMb', 'codeRangeSizeMb', 'stackSizeMb'] as const;

/**
 * The smallest value daebus accepts per field (documented in the package README). Below about
 * 2.5 MB of old-generation heap (Node 22, 24: "GC during deserialization") or 0.25 MB of stack
 * (Node 20, 22, 24), Node ends the whole process as the worker starts, instead of failing that
 * one worker; the floors leave a margin above those values. The stack's is higher still: reading
 * a message holding a value nested 1,000 levels (MAX_NESTING, what the main side sends threads)
 * takes about 0.85 MB of stack on Node 22 and 24, and with less the port drops the message
 * unread, so that the thread's get or map read waited for ever. Node clamps a small young
 * generation or code range to its own minimum.
 */
export const RESOURCE_LIMIT_FLOORS: Readonly<Record<(typeof RESOURCE_LIMITS)[number], number>> = Object.freeze({
  maxYoungGenerationSizeMb: 0,
  maxOldGenerationSizeMb: 4,
  codeRangeSizeMb: 0,
  stackSizeMb: 1,
});

/**
 * The largest value daebus accepts per field, where there is one: V8 reserves the whole code range
 * as the worker starts, and one past the address space (about 1e8 MB on Linux x64, Node 20 and 24)
 * ends the whole process ("Fatal process OOM ... CodeRange"), `optional` thread or not. V8 uses at
 * most 128 MB of it on x64; the ceiling leaves room for other platforms and typos caught.
 */
export const RESOURCE_LIMIT_CEILINGS: Readonly<Partial<Record<(typeof RESOURCE_LIMITS)[number], number>>> = Object.freeze({
  codeRangeSizeMb: 4_096,
});

/** Why a value under a field's floor is refused. */
const FLOOR_REASONS: Partial<Record<(typeof RESOURCE_LIMITS)[number], string>> = {
  stackSizeMb:
    'below it a thread cannot read a value nested 1000 levels deep, as values shared with threads may be ' +
    '(the message would be dropped unread), and below 0.25 Node ends the whole process as the worker starts',
};

/** Check every field of a thread's `resourceLimits` (already known to be a plain object of known keys). */
export function checkResourceLimits(check: Checker, limits: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(limits)) {
    const what = `options.resourceLimits.${key}`;
    if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) check.fail(what, 'a number of megabytes > 0', value);
    const floor = RESOURCE_LIMIT_FLOORS[key as keyof typeof RESOURCE_LIMIT_FLOORS];
    if (value < floor) {
      const why =
        FLOOR_REASONS[key as keyof typeof FLOOR_REASONS] ??
        'below it Node ends the whole process as the worker starts, not just the thread';
      check.fail(what, `at least ${floor} (megabytes): ${why}`, value);
    }
    const ceiling = RESOURCE_LIMIT_CEILINGS[key as keyof typeof RESOURCE_LIMIT_CEILINGS];
    if (ceiling !== undefined && value > ceiling) {
      check.fail(
        what,
        `at most ${ceiling} (megabytes): V8 reserves it all as the thread starts, and a reservation it cannot make ends the whole process`,
        value,
      );
    }
  }
}
