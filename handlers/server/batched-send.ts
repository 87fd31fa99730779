/**
 * Coalesces the frames a socket sends within one tick into one write: a step's `completed`, the
 * next step's `started` and the result often leave together. Each write is a syscall, and in
 * containers syscalls dominate the server's cost per pipeline.
 */
import type { Socket } from "node:net";

export interface RawSocket {
  readyState: number;
  send(data: string): void;
}

export function batchedSender(raw: RawSocket): (text: string) => void {
  // ws keeps its net.Socket as `_socket`; without it, frames are simply sent one by one.
  const socket = (raw as unknown as { _socket?: Socket })._socket;
  let corked = false;
  const uncork = () => {
    corked = false;
    socket?.uncork();
  };
  return (text) => {
    if (raw.readyState !== 1) return;
    if (socket && !corked) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    raw.send(text);
  };
}
