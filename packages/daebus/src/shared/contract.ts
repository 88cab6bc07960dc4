/**
 * Typed contracts: one interface that names a service's actions (or a thread's messages), with
 * the payload and the result of each, shared by the code that answers and the code that asks:
 *
 * ```ts
 * interface JobsApi {
 *   submit_job: { payload: { job_id: string; data: unknown }; result: { status: 'queued' } };
 *   check_job: { payload: { job_id: string }; result: { status: string; position?: number } };
 * }
 * const app = new Daebus<JobsApi>('jobs');           // handlers are checked against it
 * const caller = new DaebusCaller<JobsApi>('jobs');  // calls are checked, results typed
 * ```
 *
 * Without a contract everything is untyped, as before: any name, a payload of
 * `Record<string, unknown>`, a result of `unknown`.
 */

/** One action or message: its payload and its result. Either may be left out. */
export interface Exchange {
  /** The payload's type; left out: `Record<string, unknown>`. */
  payload?: unknown;
  /** The result's type; left out: `unknown`. */
  result?: unknown;
}

/** Names to exchanges: a service's actions, or a thread's messages (an interface of these works too). */
export type Contract = { [name: string]: Exchange };

/**
 * The contract of an untyped service (`new Daebus(name)`): it names no action, so every contract,
 * an interface too, is assignable to it and a typed app passes where an untyped one is expected
 * (an index signature here would refuse interfaces). Its actions are those of `LooseContract`.
 * The classes typed by a contract declare it `out` (`Daebus<out C>`): a typed app passes as an
 * untyped one, and an untyped app, or one typed by another contract, does not pass as a typed one.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- empty on purpose: every contract is assignable to it
export interface AnyContract {}

/** The messages of an untyped thread: none named, so a typed context or handle passes as an untyped one (see `AnyContract`). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- as AnyContract
export interface AnyMessages {}

/** What an untyped service answers: any action, an object payload, any result. */
export interface LooseContract {
  [name: string]: { payload: Record<string, unknown>; result: unknown };
}

/** What an untyped thread answers: any name, any payload, any result. */
export interface LooseMessages {
  [name: string]: { payload: unknown; result: unknown };
}

/**
 * What a blueprint registered on an app typed by `C` may declare: actions of `C`, each with its
 * exchange. An untyped app (and an untyped blueprint, which may hold routes only) takes any.
 */
export type PartOf<C, B> = [keyof C] extends [never] ? object : { [K in keyof B]: K extends keyof C ? C[K] : never };

/** The actions of contract `C`: a contract that names none (`AnyContract`) is the untyped one. */
export type ActionsOf<C> = [keyof C] extends [never] ? LooseContract : C;

/** The messages of `M`: a message map that names none (`AnyMessages`) is the untyped one. */
export type MessagesOf<M> = [keyof M] extends [never] ? LooseMessages : M;

/**
 * The names of a contract (any string for `LooseContract`; read `AnyContract` through `ActionsOf`).
 * Written as a conditional type so that an error shows the names (`"submit_job" | "check_job"`), not this alias (`NameOf<JobsApi>`).
 */
export type NameOf<C> = [C] extends [unknown] ? keyof C & string : never;

/** The payload of `C[K]`; `Record<string, unknown>` when the contract does not say. */
export type PayloadOf<C, K extends keyof C> = C[K] extends { payload: infer P } ? P : Record<string, unknown>;

/** The result of `C[K]`; `unknown` when the contract does not say. */
export type ResultOf<C, K extends keyof C> = C[K] extends { result: infer R } ? R : unknown;

/**
 * The arguments after the name: the payload may be left out when it can be empty, or `undefined`,
 * or `void`. One written `void` or `undefined` may also be given as `{}`, which is how it arrives.
 */
export type PayloadArgs<C, K extends keyof C, Rest extends unknown[] = []> =
  Record<string, never> extends PayloadOf<C, K>
    ? [payload?: PayloadOf<C, K>, ...Rest]
    : [PayloadOf<C, K>] extends [void | undefined]
      ? [payload?: PayloadOf<C, K> | Record<string, never>, ...Rest]
      : undefined extends PayloadOf<C, K>
        ? [payload?: PayloadOf<C, K>, ...Rest]
        : [payload: PayloadOf<C, K>, ...Rest];
