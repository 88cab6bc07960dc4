import type { WireRequest } from './wire';

/** The request an action handler is answering (Daebus's `request`). */
export class ActionRequest {
  /** The action's name. */
  readonly action: string;
  /** The request's payload: always an object. */
  readonly payload: Record<string, unknown>;
  /** The caller's id for this request, echoed in every response; absent for fire-and-forget messages. */
  readonly requestId: string | undefined;
  /** Where responses go: the request's `reply_to`, else `<service>.responses`, else nowhere. */
  readonly replyTo: string | undefined;
  /** The service the caller addressed. */
  readonly service: string | undefined;
  /**
   * 1 the first time; more when a replicated service runs a durable request again because the
   * replica that had it died (see the package README, "Replicas").
   */
  readonly attempt: number;

  constructor(wire: WireRequest, replyTo: string | undefined, attempt = 1) {
    this.action = wire.action;
    this.payload = wire.payload;
    this.requestId = wire.requestId;
    this.replyTo = replyTo;
    this.service = wire.service;
    this.attempt = attempt;
  }
}
