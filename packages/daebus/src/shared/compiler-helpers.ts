/**
 * Helpers a compiler adds to a function when it targets an older language level (TypeScript's
 * `__awaiter` for async functions below ES2017, esbuild's `__async`, swc's `_async_to_generator`,
 * Babel's `_asyncToGenerator`, ...). They live in the compiled file, not in the function: an inline
 * thread that uses one cannot run in its worker. Names taken from each compiler's output.
 */
const HELPERS = new RegExp(
  `\\b(${[
    // module interop: what a CommonJS build wraps require() in (TypeScript, esbuild, swc, Babel)
    '__importStar|__importDefault|__toESM|_interop_require_wildcard|_interop_require_default|_interopRequireWildcard|_interopRequireDefault',
    // TypeScript (tslib)
    '__awaiter|__generator|__assign|__rest|__spreadArray|__spread|__read|__values|__asyncValues|__await|__asyncGenerator',
    '__asyncDelegator|__extends|__classPrivateFieldGet|__classPrivateFieldSet|__classPrivateFieldIn',
    '__esDecorate|__runInitializers|__addDisposableResource|__disposeResources|__makeTemplateObject',
    // esbuild (__name, from keepNames, is supplied by the shipped source itself)
    '__async|__forAwait|__yieldStar|__spreadValues|__spreadProps|__objRest|__pow|__publicField|__privateAdd|__privateGet',
    '__privateSet|__privateMethod|__privateWrapper|__privateIn|__superGet|__superSet|__superWrapper|__using|__callDispose',
    '__decorateElement|__decoratorStart|__decoratorMetadata|__template',
    // swc
    '_async_to_generator|_ts_generator|_async_iterator|_await_async_generator|_wrap_async_generator|_object_spread',
    '_object_spread_props|_object_without_properties|_to_consumable_array|_sliced_to_array|_define_property',
    '_class_private_field_get|_class_private_field_set|_class_private_field_init|_class_private_field_update',
    '_class_private_method_get|_class_private_method_init|_class_call_check|_create_class|_call_super|_inherits',
    // Babel
    '_asyncToGenerator|_regeneratorRuntime|regeneratorRuntime|_regenerator|_asyncIterator|_awaitAsyncGenerator',
    '_wrapAsyncGenerator|_objectSpread2|_objectSpread|_objectWithoutProperties|_toConsumableArray|_slicedToArray',
    '_defineProperty|_classPrivateFieldGet|_classPrivateFieldSet|_classCallCheck|_createClass|_callSuper',
    '_createForOfIteratorHelper|_createForOfIteratorHelperLoose|_unsupportedIterableToArray|_arrayLikeToArray|_typeof',
    '_iterableToArray|_iterableToArrayLimit|_arrayWithHoles|_arrayWithoutHoles|_nonIterableRest|_nonIterableSpread|_toArray',
    '_inherits|_getPrototypeOf|_setPrototypeOf|_possibleConstructorReturn|_assertThisInitialized|_createSuper|_superPropGet',
    '_wrapNativeSuper|_isNativeReflectConstruct|_defineProperties|_toPropertyKey|_toPrimitive|_extends|_taggedTemplateLiteral',
    '_classPrivateFieldInitSpec|_classPrivateMethodInitSpec|_checkPrivateRedeclaration|_assertClassBrand|_readOnlyError',
    '_objectDestructuringEmpty|_asyncGeneratorDelegate|_OverloadYield|_usingCtx',
  ].join('|')})\\b`,
);

/** The first compiler helper the function's source uses, if any. */
export function compilerHelperIn(source: string): string | undefined {
  return HELPERS.exec(source)?.[1];
}

/**
 * A function whose whole body hands the call on to a variable outside it: how Babel compiles an
 * async function for a target below ES2017 (its code moves into `_ref`, made by `_asyncToGenerator`
 * beside the function). No helper's name is in the function's text, and the variable is not in the worker.
 */
const HANDS_ON = /^(?:async\s*)?function\s*[\w$]*\s*\([\w$,\s]*\)\s*\{\s*return\s+([\w$]+)\.apply\(\s*this\s*,\s*arguments\s*\);?\s*\}$/;

/** The variable outside the function that its whole body hands the call on to, if that is all it does. */
export function handedOnTo(source: string): string | undefined {
  return HANDS_ON.exec(source.trim())?.[1];
}

export function handedOnAdvice(where: string, variable: string): string {
  return (
    `${where} is an inline function whose whole body is "return ${variable}.apply(this, arguments)": your compiler moved ` +
    `its code into "${variable}", outside the function (Babel does so with an async function when it targets below ` +
    'ES2017), so the worker cannot run it. Raise the target (with Babel, `targets: { node: "current" }` in ' +
    '@babel/preset-env; in tsconfig.json, ES2022 suits Node 20), or register a module made with defineThread() instead.'
  );
}

/** Helpers that wrap require(): a CommonJS build rewrote the function's import() into them. */
const INTEROP =
  /^(__importStar|__importDefault|__toESM|_interop_require_wildcard|_interop_require_default|_interopRequireWildcard|_interopRequireDefault)$/;
/** Helpers that stand for async functions, which need ES2017. */
const ASYNC =
  /^(__awaiter|__generator|__async|_async_to_generator|_ts_generator|_asyncToGenerator|_regeneratorRuntime|regeneratorRuntime|_regenerator)$/;

export function compilerHelperAdvice(where: string, helper: string): string {
  if (INTEROP.test(helper)) return commonJsImportAdvice(where, `"${helper}(require(...))"`);
  const level = ASYNC.test(helper) ? ' (async functions need ES2017)' : '';
  return (
    `${where} is an inline function that uses "${helper}", a helper your compiler added to the file (it targets a ` +
    `language level below what the function is written in${level}). The helper is not part of the function, so the ` +
    `worker cannot run it. Raise \`target\` in tsconfig.json (${level ? 'ES2017 or later; ' : ''}ES2022 suits Node 20); ` +
    'with Babel, set `targets: { node: "current" }` in @babel/preset-env; or register a module made with defineThread() instead.'
  );
}

/** An inline function's import() that a CommonJS build turned into `written`, which the worker does not have. */
export function commonJsImportAdvice(where: string, written: string): string {
  return (
    `${where} is an inline function that uses ${written}: a build that emits CommonJS rewrites import() into ` +
    'require(), and so does a bundler that bundles the imported package in (esbuild, in ES module output too). An ' +
    'inline function runs in its worker without the file that registered it, so without require or its helpers. ' +
    'Register the thread as a module made with defineThread() (a path to its file); or emit ES modules ("module": ' +
    '"nodenext" with "type": "module" in package.json) and, when bundling, leave the package out of the bundle ' +
    '(esbuild --external:<package> or --packages=external, webpack externals).'
  );
}
