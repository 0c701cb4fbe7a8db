/**
 * The one message-handler shape of every panel, on both sides (as vscode-hexeditor's
 * shared/protocol.ts): a message union's handlers keyed by `type`, each given its own member of the
 * union. The handler table of a union must be complete, so a new message without a handler on the
 * receiving side is a type error. Pure: the host and the webviews import it.
 */

/** One handler per message type of the union M. */
export type MessageHandlers<M extends { type: string }> = { [K in M['type']]: (msg: Extract<M, { type: K }>) => void | Promise<void> };

/** Calls the handler of the message's type. */
export function dispatch<M extends { type: string }>(handlers: MessageHandlers<M>, msg: M): void | Promise<void> {
  return (handlers[msg.type as M['type']] as (m: M) => void | Promise<void>)(msg);
}

/** What every panel's host can send its webview: the busy row, progress and errors. */
export type CommonToWebview =
  | { type: 'busy'; running: boolean; what: string }
  | { type: 'progress'; done: number; total: number }
  | { type: 'error'; message: string }
  /** The job was cancelled (or, `notRun`, not started after its estimate): the previous result, if any, stays, marked as such. */
  | { type: 'cancelled'; what: string; notRun?: boolean };
