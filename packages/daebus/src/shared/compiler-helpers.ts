/**
 * Helpers a compiler adds to a function when it targets an older language level (TypeScript's
 * `__awaiter` for async functions below ES2017, esbuild's `__async`, swc's `_async_to_generator`,
 * Babel's `_asyncToGenerator`, ...). They live in the compiled file, not in the function: an inline
 * thread that uses one cannot run in its worker. Names taken from each compiler's output.
 */
const HELPERS = new RegExp(
  `\\b(${[
    // TypeScript (tslib)
    '__awaiter|__generator|__assign|__rest|__spreadArray|__spread|__read|__values|__asyncValues|__await|__asyncGenerator',
    '__asyncDelegator|__extends|__importDefault|__importStar|__classPrivateFieldGet|__classPrivateFieldSet|__classPrivateFieldIn',
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
  ].join('|')})\\b`,
);

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
