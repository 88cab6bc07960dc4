/**
 * Helpers a compiler adds to a function when it targets an older language level (TypeScript's
 * `__awaiter` for async functions below ES2017, Babel's `_asyncToGenerator`, ...). They live in
 * the compiled file, not in the function: an inline thread that uses one cannot run in its worker.
 */
const HELPERS =
  /\b(__awaiter|__generator|__assign|__rest|__spreadArray|__spread|__read|__values|__asyncValues|__await|__asyncGenerator|__extends|__importDefault|__importStar|_asyncToGenerator|_regeneratorRuntime|regeneratorRuntime)\b/;

/** The first compiler helper the function's source uses, if any. */
export function compilerHelperIn(source: string): string | undefined {
  return HELPERS.exec(source)?.[1];
}

export function compilerHelperAdvice(where: string, helper: string): string {
  return (
    `${where} is an inline function that uses "${helper}", a helper your compiler added to the file (it targets a ` +
    'language level below what the function is written in: async functions need ES2017). The helper is not part ' +
    'of the function, so the worker cannot run it. Raise `target` in tsconfig.json (ES2017 or later; ES2022 ' +
    'suits Node 20), or register a module made with defineThread() instead.'
  );
}
