import { describe, expect, it } from "vitest";
import { batchedSender } from "./batched-send.js";

function fakeSocket() {
  const log: string[] = [];
  let corked = 0;
  const socket = {
    cork: () => {
      corked++;
      log.push("cork");
    },
    uncork: () => {
      corked--;
      log.push("uncork");
    },
  };
  const raw = {
    readyState: 1,
    _socket: socket,
    send: (text: string) => log.push(`send ${text} (corked ${corked})`),
  };
  return { raw, log };
}

describe("batchedSender", () => {
  it("sends every frame of one tick inside one cork, in order", async () => {
    const { raw, log } = fakeSocket();
    const send = batchedSender(raw);
    send("a");
    send("b");
    send("c");
    await new Promise((r) => process.nextTick(r));
    send("d");
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual([
      "cork",
      "send a (corked 1)",
      "send b (corked 1)",
      "send c (corked 1)",
      "uncork",
      "cork",
      "send d (corked 1)",
      "uncork",
    ]);
  });

  it("drops frames once the socket is no longer open", () => {
    const { raw, log } = fakeSocket();
    raw.readyState = 3;
    batchedSender(raw)("late");
    expect(log).toEqual([]);
  });
});
