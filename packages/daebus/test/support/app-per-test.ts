// One app per test, made before each test and stopped after it: a logger that keeps its
// records, a private in-memory broker, a unique service name, and callers closed at the end.
import { randomUUID } from 'node:crypto';
import { Daebus, DaebusCaller, MemoryBroker, MemoryTransport, type CallerOptions, type DaebusOptions, type StartOptions } from 'daebus';
import { captureLogger, type LogRecord } from './helpers';

export interface TestApp {
  readonly app: Daebus;
  readonly records: LogRecord[];
  readonly broker: MemoryBroker;
  readonly service: string;
  /** Make the test's app again with other options (before it starts). */
  remake(options?: DaebusOptions): Daebus;
  /** Start the app as the test's service on the test's broker (unless the options say otherwise). */
  start(options?: StartOptions): Promise<void>;
  /** A caller of the test's service on the test's broker, closed after the test. */
  caller(options?: CallerOptions): DaebusCaller;
  /** A connection to the test's broker. */
  transport(): MemoryTransport;
}

export function appPerTest(name: string, options: DaebusOptions = {}, stopTimeoutMs = 1_000): TestApp {
  let app: Daebus | undefined;
  let records: LogRecord[] = [];
  let broker = new MemoryBroker();
  let service = '';
  let callers: DaebusCaller[] = [];
  const make = (extra: DaebusOptions = {}): Daebus => {
    const captured = captureLogger();
    records = captured.records;
    app = new Daebus(name, { logger: captured.logger, ...options, ...extra });
    return app;
  };
  beforeEach(() => {
    broker = new MemoryBroker();
    service = `${name}_${randomUUID()}`;
    callers = [];
    make();
  });
  afterEach(async () => {
    await Promise.all(callers.map((c) => c.close()));
    await app?.stop({ timeoutMs: stopTimeoutMs });
  });
  return {
    get app() {
      return app as Daebus;
    },
    get records() {
      return records;
    },
    get broker() {
      return broker;
    },
    get service() {
      return service;
    },
    remake: make,
    start: (startOptions = {}) => (app as Daebus).start({ service, transport: new MemoryTransport(broker), ...startOptions }),
    caller: (callerOptions = {}) => {
      const caller = new DaebusCaller(service, { transport: new MemoryTransport(broker), ...callerOptions });
      callers.push(caller);
      return caller;
    },
    transport: () => new MemoryTransport(broker),
  };
}
