/**
 * The actions every service answers by itself, over any transport (so a Python Daebus caller, or
 * `daebus` on the command line, can ask a running service what it is doing). Names starting with
 * `daebus.` are reserved: an app cannot register an action with one.
 */
export const RESERVED_PREFIX = 'daebus.';

/** The names of the built-in actions (`daebus.*`); the admin ones answer ADMIN_DISABLED unless the app's `admin` option is set. */
export const BuiltinActions = Object.freeze({
  ping: 'daebus.ping',
  info: 'daebus.info',
  threads: 'daebus.threads',
  health: 'daebus.health',
  replicas: 'daebus.replicas',
  // admin: off unless the app enables them (`admin` option)
  threadStart: 'daebus.thread.start',
  threadStop: 'daebus.thread.stop',
  threadRestart: 'daebus.thread.restart',
  taskPause: 'daebus.task.pause',
  taskResume: 'daebus.task.resume',
});

export function isReserved(action: string): boolean {
  return action.startsWith(RESERVED_PREFIX);
}

/** A service's own action names among `names`: the built-in `daebus.*` ones left out. */
export function ownActions(names: Iterable<string>): string[] {
  return [...names].filter((name) => !isReserved(name));
}

/** An admin action: it changes the service (a thread, a task), unlike the others, which only read it. */
export function isAdminAction(action: string): boolean {
  return action.startsWith('daebus.thread.') || action.startsWith('daebus.task.');
}
