/**
 * Pushed updates, as the rest of Clara Pulse sees them: one producer hands each new document to
 * the dashboards that watch, so the read cost does not grow with viewers. The channel is API
 * Gateway's WebSocket API on AWS (push/api-gateway-viewer-channel.ts) and the local API server's
 * event streams on one machine (local/stack/viewer-streams.ts).
 */

/** A dashboard that watches: a WebSocket connection on AWS, an event stream locally. */
export interface Viewer {
  id: string;
  /** When the viewer's token expires (epoch ms): it is cut off then. Absent where tokens do not expire (local). */
  tokenExpiresAtMs?: number;
}

/** `gone`: the viewer had left; the channel has forgotten it. */
export type Delivery = 'sent' | 'gone';

export interface ViewerChannel {
  /** The viewers connected now. */
  viewers(): Promise<readonly Viewer[]>;
  /** Hands one viewer the payload (a RealTimeMetrics document as JSON). */
  send(viewer: Viewer, payload: string): Promise<Delivery>;
  /** Ends a viewer's connection (its token expired) and forgets it. */
  disconnect(viewer: Viewer): Promise<void>;
}

/** The bookkeeping of connected viewers on AWS, where API Gateway holds the connections and we hold who they are. */
export interface ViewerRegistry {
  add(viewer: Viewer & { tokenExpiresAtMs: number }): Promise<void>;
  remove(viewerId: string): Promise<void>;
  list(): Promise<Viewer[]>;
}
