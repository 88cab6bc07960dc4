/**
 * Makes `value instanceof cls` hold for an instance of the class `name` made by any copy of the
 * library in this thread, as for a DaebusError. The worker entries are bundled, each with its own
 * copy of these classes, so a thread's `t` was no `ThreadContext` of the `daebus/thread` a
 * CommonJS thread or a pooled handler imports. The brand sits on the prototype: nothing per
 * instance. A subclass of the user's keeps the ordinary check.
 */
export function brandClass(cls: abstract new (...args: never[]) => object, name: string): void {
  const brand = Symbol.for(`daebus.class.${name}`);
  Object.defineProperty(cls.prototype, brand, { value: true });
  const ordinary = Function.prototype[Symbol.hasInstance];
  Object.defineProperty(cls, Symbol.hasInstance, {
    value(this: unknown, value: unknown): boolean {
      if (this !== cls) return ordinary.call(this, value);
      // the brand is inherited: a prototype that holds it as its own is no instance
      return (
        value !== null && typeof value === 'object' && (value as Record<symbol, unknown>)[brand] === true && !Object.hasOwn(value, brand)
      );
    },
  });
}
