// Type tests: what the package's users see of its classes is their documented API. Members the
// library uses internally are not on it. Each `@ts-expect-error` line must be an error.
import { Blueprint, DaebusCaller } from 'daebus';
// @ts-expect-error the type of a blueprint's registrations is the library's own
import type { Registration } from 'daebus';

export type Unused = Registration;

export function surface(caller: DaebusCaller, blueprint: Blueprint): void {
  // @ts-expect-error failing every request in flight is the caller's own business (it was public)
  caller.failPending('x');
  // @ts-expect-error what a blueprint registered is read by the app only (it was public)
  void blueprint.registrations;
}
