// Type tests: compiled by the package's typecheck (tsc, with noUncheckedIndexedAccess), never run.
// A route's `request.params` is typed from its path literal, as the router fills it.
import { Blueprint, Daebus, type HttpRequest, type RouteHandler, type RouteParams } from 'daebus';

const app = new Daebus('route_params');
const stock = app.map<number>('stock');

app.route('/items/<sku>', async (req) => {
  const sku: string = req.params.sku; // not `string | undefined`: the router matched it
  return { sku, count: await stock.get(req.params.sku) };
});
app.route('/shops/:shop/items/<sku>', (req, { request }) => {
  const both: [string, string] = [req.params.shop, request.params.sku];
  // @ts-expect-error a parameter the path does not name
  void req.params.user;
  return both;
});
app.route('/health', (req) => {
  // @ts-expect-error a path without parameters has none
  void req.params.id;
  return {};
});
new Blueprint('bp').route('/users/<user_id>', (req) => req.params.user_id.toUpperCase());

// a path with parts known only at run time: its parameters cannot all be read from the type
function mount(base: string): void {
  app.route(`${base}/<id>`, (req) => {
    const org: string | undefined = req.params.org; // a parameter of base: it was refused ({ id: string })
    return org ?? req.params.id;
  });
  app.route(`/v1${base}`, (req) => req.params.org ?? '');
}
mount('/orgs/<org>');

// a path known only at run time: any name, possibly absent
const dynamic: string = String(Date.now());
app.route(dynamic, (req) => {
  const id: string | undefined = req.params.id;
  // @ts-expect-error may be undefined under noUncheckedIndexedAccess
  const sure: string = req.params.id;
  return [id, sure];
});

// the types by name, for handlers written apart from app.route
const byName: RouteHandler<'/orders/<order_id>'> = (req: HttpRequest<{ order_id: string }>) => req.params.order_id;
app.route('/orders/<order_id>', byName);
const params: RouteParams<'/a/<x>/b/:y'> = { x: '1', y: '2' };
const loose: RouteParams<string> = {};
void [params, loose];

// a route's methods may be a readonly list (`as const`), shared between routes
const WRITES = ['PUT', 'patch'] as const;
app.route('/items/<sku>', (req) => req.params.sku, { methods: WRITES });
// @ts-expect-error a method the router does not serve
app.route('/items/<sku>', (req) => req.params.sku, { methods: ['PUT', 'TRACE'] as const });
