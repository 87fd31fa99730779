import { describe, expect, it } from "vitest";
import { valueAtPointer } from "./json-pointer.js";

describe("valueAtPointer", () => {
  const root = {
    $defs: { "a/b": { type: "string" }, "c~d": 1, "e f": true },
    items: [{ type: "null" }, 2],
    ["__proto__"]: { own: true },
  };
  it("walks objects and arrays with escaped and percent-encoded tokens", () => {
    expect(valueAtPointer(root, "#")).toBe(root);
    expect(valueAtPointer(root, "#/$defs/a~1b")).toEqual({ type: "string" });
    expect(valueAtPointer(root, "#/$defs/c~0d")).toBe(1);
    expect(valueAtPointer(root, "#/$defs/e%20f")).toBe(true);
    expect(valueAtPointer(root, "#/items/1")).toBe(2);
  });
  it("names nothing for foreign, malformed or missing pointers and inherited names", () => {
    expect(valueAtPointer(root, "other.json#/a")).toBeUndefined();
    expect(valueAtPointer(root, "#/$defs/%E0%A4%A")).toBeUndefined();
    expect(valueAtPointer(root, "#/items/x")).toBeUndefined();
    expect(valueAtPointer(root, "#/items/7")).toBeUndefined();
    expect(valueAtPointer(root, "#/$defs/toString")).toBeUndefined();
    expect(valueAtPointer({ a: 1 }, "#/__proto__")).toBeUndefined();
  });
});
