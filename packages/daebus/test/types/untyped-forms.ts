// Type tests: compiled by the package's typecheck (tsc, strict), never run. A service or thread typed
// with a contract written as an `interface` (as the README writes them) passes where the untyped
// form is expected, and stays checked where it is typed. Each `@ts-expect-error` line must be an error.
import { Blueprint, Daebus, DaebusCaller, type SocketClose, type SocketHandshake, type ThreadEntry, type ThreadHandle } from 'daebus';
import { defineThread, type ThreadContext, type ThreadDefinition, type ThreadFunction } from 'daebus/thread';

export interface OrdersApi {
  place: { payload: { sku: string }; result: { count: number } };
  cancel: { payload: { id: string }; result: { cancelled: boolean } };
}
export interface OtherApi {
  refund: { payload: { id: string }; result: { refunded: boolean } };
}
export interface SocketMessages {
  send: { payload: { text: string }; result: { sent: boolean } };
}

export function createOrders(): Daebus<OrdersApi> {
  const orders = new Daebus<OrdersApi>('orders');
  orders.action('place', ({ sku }) => ({ count: sku.length }));
  // @ts-expect-error a misspelled action on the typed app is still refused
  orders.action('plcae', () => ({ count: 1 }));
  // @ts-expect-error and so is a result of the wrong shape
  orders.action('cancel', () => ({ cancelled: 'yes' }));
  return orders;
}

// the README's testing pattern: a variable of the untyped class holds the typed app
let app: Daebus;
export function setUp(): void {
  app = createOrders(); // as a test's beforeEach does
  app.action('anything', (payload) => ({ echo: payload.whatever })); // the untyped form's own rules
}

// a helper written for any app takes a typed one
function addMonitoring(target: Daebus): Daebus {
  return target.action('monitor', () => ({ ok: true }));
}
addMonitoring(createOrders());

// blueprints, callers and thread handles the same way
function addBlueprint(bp: Blueprint): void {
  createOrders().registerBlueprint(bp);
}
const ordersBlueprint = new Blueprint<OrdersApi>('orders_extra');
addBlueprint(ordersBlueprint);
// @ts-expect-error the typed blueprint still checks its names
ordersBlueprint.action('plac', () => ({ count: 1 }));
export const callers: DaebusCaller[] = [new DaebusCaller<OrdersApi>('orders')];
export const handles: ThreadHandle[] = [createOrders().thread<SocketMessages>('socket')];

// a thread-side helper written for any context, called from a thread typed by its messages
function common(t: ThreadContext): void {
  t.log.info(t.name);
}
export const socketThread = defineThread<{ url: string }, SocketMessages>(async (running, t) => {
  common(t);
  t.on('send', ({ text }) => ({ sent: text.length > 0 }));
  // @ts-expect-error a misspelled message on the typed context is still refused
  t.on('sned', () => ({ sent: true }));
});
export const definitions: ThreadDefinition<{ url: string }>[] = [socketThread];
const typedBody = async (running: () => boolean, t: ThreadContext<unknown, SocketMessages>): Promise<void> => common(t);
export const bodies: ThreadFunction[] = [typedBody];
export const entries: ThreadEntry[] = [typedBody];

// the other way round is refused: an untyped app, blueprint or context is not a typed one
declare const untypedApp: Daebus;
declare const untypedBlueprint: Blueprint;
declare const untypedContext: ThreadContext;
// @ts-expect-error an untyped app is not a typed one
export const typedApp: Daebus<OrdersApi> = untypedApp;
// @ts-expect-error an untyped blueprint is not a typed one
export const typedBlueprint: Blueprint<OrdersApi> = untypedBlueprint;
// @ts-expect-error an untyped context is not a typed one
export const typedContext: ThreadContext<unknown, SocketMessages> = untypedContext;
// @ts-expect-error nor is an app typed with another contract
export const otherApp: Daebus<OtherApi> = createOrders();
// @ts-expect-error nor a context typed with other messages
export const otherContext: ThreadContext<unknown, OrdersApi> = null as unknown as ThreadContext<unknown, SocketMessages>;

// a helper that takes the typed app keeps checking its names
function placeOnly(orders: Daebus<OrdersApi>): void {
  orders.action('cancel', ({ id }) => ({ cancelled: id.length > 0 }));
  // @ts-expect-error an action OrdersApi does not name
  orders.action('refund', () => ({ refunded: true }));
}
placeOnly(createOrders());

// callers and thread handles too: their contract is only in their methods' constraints, which
// the type checker does not compare on its own
declare const untypedCaller: DaebusCaller;
declare const untypedHandle: ThreadHandle;
// @ts-expect-error an untyped caller is not a typed one
export const typedCaller: DaebusCaller<OrdersApi> = untypedCaller;
// @ts-expect-error nor is a caller typed with another contract
export const otherCaller: DaebusCaller<OrdersApi> = new DaebusCaller<OtherApi>('other');
// @ts-expect-error an untyped handle is not a typed one
export const typedHandle: ThreadHandle<SocketMessages> = untypedHandle;
// @ts-expect-error nor is a handle typed with other messages
export const otherHandle: ThreadHandle<SocketMessages> = null as unknown as ThreadHandle<OrdersApi>;

// a typed app takes a blueprint typed with part of its contract, an untyped one (it may hold
// routes only), and refuses one typed with another contract, or with other exchanges
createOrders().registerBlueprint(new Blueprint<Pick<OrdersApi, 'place'>>('place_only'));
createOrders().registerBlueprint(new Blueprint('routes_only').route('/health2', () => ({ ok: true })));
// @ts-expect-error a blueprint of another service's contract
createOrders().registerBlueprint(new Blueprint<OtherApi>('refunds'));
// @ts-expect-error an action of the app's name with another result
createOrders().registerBlueprint(new Blueprint<{ place: { payload: { sku: string }; result: { count: string } } }>('wrong'));
// an untyped app takes any
new Daebus('any').registerBlueprint(new Blueprint<OtherApi>('refunds'));

// A WebSocket handler's data is what the client sent: unknown unless the handler's annotation
// says what it expects (before: any, so a typo in a property path compiled).
export function socketData(server: Daebus): void {
  server.socket('stock', (data: { sku: string }) => data.sku.toUpperCase());
  server.socket('raw', (data) => {
    // @ts-expect-error data is unknown until the handler says what it is
    return data.sku;
  });
  server.socket('typed', (data: { sku: string }) => {
    // @ts-expect-error and a typo in the annotated type is refused
    return data.skuu;
  });
}

// The connect and disconnect events' data is typed by the event's name (it was unknown, and the
// README's `({ code, reason }, clientId) => ...` did not compile); other types' data as above.
export function socketEvents(server: Daebus, blueprint: Blueprint): void {
  server.socket('connect', (handshake) => {
    const origin: string | string[] | undefined = handshake.headers.origin;
    if (origin !== 'https://example.com') throw new Error(`origin ${String(origin)} refused from ${handshake.remoteAddress ?? '?'}`);
  });
  server.socket('disconnect', ({ code, reason }, clientId) => `${clientId} ${code.toFixed(0)} ${reason.trim()}`);
  blueprint.socket('disconnect', (close: SocketClose) => close.code);
  blueprint.socket('connect', (handshake: SocketHandshake) => handshake.path);
  // @ts-expect-error a disconnect's data has no headers
  server.socket('disconnect', (close) => close.headers);
  // @ts-expect-error nor a handshake a code
  server.socket('connect', (handshake) => handshake.code);
  const type: string = 'stock';
  server.socket(type, (data) => {
    // @ts-expect-error a type not known where it is written gives unknown data, as before
    return data.sku;
  });
  server.socket<{ sku: string }>('stock', (data) => data.sku);
}
