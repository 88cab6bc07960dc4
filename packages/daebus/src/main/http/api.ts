// The types the app's facade (app/daebus.ts) names, from one place.
export type { WebSocketClients } from '../../shared/socket-api';
export type { DaebusHttp, DaebusWebSocket } from './components';
export type { RouteHandler, RouteOptions } from './route-entry';
export type { HttpEndpoints } from './endpoints';
export type { SocketClose, SocketData, SocketHandler, SocketHandshake } from './socket-handler';
