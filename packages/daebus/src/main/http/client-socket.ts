/** What a WebSocket client's connection is to the hub: ws's socket, and the handshake it came with. */

/**
 * The part of a ws socket a client and the hub use. Written out here, not imported from ws, so
 * that the package's published types do not need `@types/ws` in the user's project.
 */
export interface ClientSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  /** `written`, when given, is called once the frame is written out (with an error if it cannot be). */
  send(data: Buffer, options: { binary: boolean }, written?: (err?: Error | null) => void): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  ping(): void;
  pause(): void;
  resume(): void;
  on(event: 'message', listener: (data: Buffer | ArrayBuffer | Buffer[]) => void): unknown;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'pong', listener: () => void): unknown;
}

/** What a client connected with. */
export interface Handshake {
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string | string[] | undefined>;
  remoteAddress: string | undefined;
}
