/**
 * Bounds what one WebSocket may have queued and unsent. A client that asks and never reads would
 * otherwise grow the server's memory without limit (ws buffers every frame it is handed). Past the
 * bound the socket gets no more frames: it is closed with 1008 and a reason, its requests are
 * aborted like any disconnect, and it is destroyed if the close frame cannot get through either.
 */

export const WS_OVERFLOW_CODE = 1008;

export interface BufferedSocket {
  readonly bufferedAmount: number;
  close(code: number, reason: string): void;
  terminate(): void;
}

export interface BoundedSenderOptions {
  socket: BufferedSocket;
  send: (text: string) => void;
  maxBufferedBytes: number;
  /** Called once, when the bound is passed: abort this socket's work. */
  onOverflow: (bufferedBytes: number) => void;
  /** How long the close handshake may take before the socket is destroyed. */
  terminateAfterMs?: number;
}

export function boundedSender(options: BoundedSenderOptions): (text: string) => void {
  const { socket, send, maxBufferedBytes } = options;
  let overflowed = false;
  return (text) => {
    if (overflowed) return;
    // Checked before sending, so a single large frame on an empty buffer always goes out.
    const buffered = socket.bufferedAmount;
    if (buffered <= maxBufferedBytes) {
      send(text);
      return;
    }
    overflowed = true;
    options.onOverflow(buffered);
    socket.close(
      WS_OVERFLOW_CODE,
      `client is not reading: over ${maxBufferedBytes} bytes queued (ORCH_WS_MAX_BUFFERED_BYTES)`,
    );
    setTimeout(() => socket.terminate(), options.terminateAfterMs ?? 1000).unref();
  };
}
