import { describe, expect, it } from "vitest";
import { lowerJsonSchema } from "./json-schema.js";
import { localizeRefs } from "./json-schema-refs.js";
import { passes as valid, rejection } from "./test-support.js";

const refsOf = (schema: unknown): string[] => JSON.stringify(schema).match(/"\$ref":"[^"]*"/g) ?? [];

describe("localizeRefs: every $ref the validator can resolve inside the schema, as a root pointer", () => {
  it("reads a nested $id as a new base: a pointer under it starts there, as the validator reads it", () => {
    const schema = {
      $schema: "http://json-schema.org/draft-07/schema#",
      definitions: {
        b: { type: "string" },
        sub: {
          $id: "sub.json",
          definitions: { b: { type: "integer" } },
          properties: { x: { $ref: "#/definitions/b" } },
        },
      },
      properties: { s: { $ref: "#/definitions/sub" } },
    };
    expect(refsOf(localizeRefs(schema, "draft-07"))).toEqual([
      '"$ref":"#/definitions/sub/definitions/b"',
      '"$ref":"#/definitions/sub"',
    ]);
    expect(valid(schema, { s: { x: 5 } })).toBe(true);
    expect(valid(schema, { s: { x: "five" } })).toBe(false);
    const out = lowerJsonSchema(schema) as { $defs: Record<string, unknown> };
    expect(out.$defs["#/definitions/sub/definitions/b"]).toEqual({ type: "integer" });
  });

  it("treats `id` as an annotation from draft-06 on, and as the id keyword in draft-04", () => {
    const nested = {
      definitions: {
        app: {
          id: "schema/app",
          definitions: { n: { type: "boolean" } },
          properties: { n: { $ref: "#/definitions/app/definitions/n" } },
        },
      },
      properties: { app: { $ref: "#/definitions/app" } },
    };
    expect(refsOf(localizeRefs(nested, "draft-07"))[0]).toBe('"$ref":"#/definitions/app/definitions/n"');
    expect(valid(nested, { app: { n: true } })).toBe(true);
    expect(valid(nested, { app: { n: 1 } })).toBe(false);
    // In draft-04 the same `id` moves the base, so the pointer names nothing under it: left as written.
    expect(refsOf(localizeRefs(nested, "draft-04"))[0]).toBe('"$ref":"#/definitions/app/definitions/n"');
    const moved = localizeRefs(
      { ...nested, definitions: { app: { ...nested.definitions.app, definitions: {} } } },
      "draft-04",
    );
    expect(refsOf(moved)[0]).toBe('"$ref":"#/definitions/app/definitions/n"');
  });

  it('resolves plain-name ids (draft-04 `id: "#name"`) and 2019+ `$anchor`s', () => {
    const draft04 = {
      $schema: "http://json-schema.org/draft-04/schema#",
      definitions: {
        gate: { id: "#gate", type: "object", required: ["open"], properties: { open: { type: "boolean" } } },
      },
      properties: { g: { $ref: "#gate" } },
    };
    expect(refsOf(localizeRefs(draft04, "draft-04"))).toEqual(['"$ref":"#/definitions/gate"']);
    expect(valid(draft04, { g: { open: true } })).toBe(true);
    expect(valid(draft04, { g: {} })).toBe(false);
    const anchored = {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      $defs: { n: { $anchor: "num", type: "number" } },
      properties: { a: { $ref: "#num" } },
    };
    expect(refsOf(localizeRefs(anchored, "2020-12"))).toEqual(['"$ref":"#/$defs/n"']);
    expect(valid(anchored, { a: "x" })).toBe(false);
  });

  it("resolves absolute references to the schema's own id and pointers outside definitions", () => {
    const schema = {
      $schema: "http://json-schema.org/draft-04/schema#",
      id: "https://example.com/message.json",
      sentences: { type: "array", items: { type: "string", id: "segments" } },
      properties: {
        s: { $ref: "#/sentences" },
        t: { $ref: "https://example.com/message.json#/sentences/items" },
      },
    };
    expect(refsOf(localizeRefs(schema, "draft-04"))).toEqual([
      '"$ref":"#/sentences"',
      '"$ref":"#/sentences/items"',
    ]);
    expect(valid(schema, { s: ["a"], t: "b" })).toBe(true);
    expect(valid(schema, { s: [1] })).toBe(false);
    expect(() => lowerJsonSchema(schema)).not.toThrow();
  });

  it("percent- and tilde-escaped pointers stay equivalent; other documents stay unresolved and refused", () => {
    const schema = {
      definitions: { "a/b c": { type: "null" } },
      properties: { x: { $ref: "#/definitions/a~1b%20c" } },
    };
    expect(refsOf(localizeRefs(schema, "draft-07"))).toEqual(['"$ref":"#/definitions/a~1b%20c"']);
    expect(() => lowerJsonSchema(schema)).not.toThrow();
    const remote = { properties: { x: { $ref: "https://example.com/other.json#/definitions/a" } } };
    expect(refsOf(localizeRefs(remote, "draft-07"))).toEqual([
      '"$ref":"https://example.com/other.json#/definitions/a"',
    ]);
    expect(rejection(remote)).toMatch(/reference/);
  });

  it("leaves a reference unresolved when two schemas carry the id it names", () => {
    const schema = {
      definitions: { a: { $id: "#dup", type: "string" }, b: { $id: "#dup", type: "integer" } },
      properties: { x: { $ref: "#dup" } },
    };
    expect(refsOf(localizeRefs(schema, "draft-07"))).toContain('"$ref":"#dup"');
  });

  it("does not change the schema it was given", () => {
    const schema = { definitions: { a: { $id: "#a" } }, properties: { x: { $ref: "#a" } } };
    const before = JSON.stringify(schema);
    localizeRefs(schema, "draft-07");
    expect(JSON.stringify(schema)).toBe(before);
  });
});
