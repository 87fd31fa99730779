/**
 * Seeded random JSON Schemas over every keyword and format the translator accepts (README.md), and
 * their combinations, for the property test (property.test.ts). Values are kept small so that a
 * random model finishes most answers inside a modest token cap.
 */
import { FORMAT_PATTERNS } from "./json-string-formats.js";
import { mulberry32 } from "../random.js";

type Schema = Record<string, unknown>;

export { mulberry32 };

const STRING_FORMATS = [...Object.keys(FORMAT_PATTERNS), "password", "binary", "not-a-format"];
const NUMBER_FORMATS = ["int32", "int64", "float", "double"];
const PATTERNS = [
  "^[a-z]{2,6}$",
  "^\\d{3}-\\d{2}$",
  "ab",
  "^(cat|dog)s?$",
  "[A-F0-9]+",
  "^x.*y$",
  // Unbounded repetitions of something that can be empty (regex-loops.ts).
  "^(a?b?)*c$",
  "^([a-z]*)*$",
  // Through automata (string-automata.ts): an anchor inside a branch, a resolved backreference.
  "^([^,]|$)",
  "(^|-)ab($|-)",
  "(x)\\1",
];
/** Property names include the ones a plain object gets wrong (`__proto__`, `constructor`). */
const NAMES = ["id", "name", "__proto__", "constructor", "toString", "a b", "ключ", "x"];

export class SchemaGenerator {
  private readonly rand: () => number;

  /** With `draft2020`, tuples are written as `prefixItems` + `items` (the root then names 2020-12). */
  constructor(
    seed: number,
    private readonly draft2020 = false,
  ) {
    this.rand = mulberry32(seed);
  }

  /** A root schema (naming its draft when it is 2020-12). */
  root(): Schema {
    const schema = this.schema();
    return this.draft2020 ? { $schema: "https://json-schema.org/draft/2020-12/schema", ...schema } : schema;
  }

  private int(lo: number, hi: number): number {
    return lo + Math.floor(this.rand() * (hi - lo + 1));
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  private chance(p: number): boolean {
    return this.rand() < p;
  }

  schema(depth = 0): Schema {
    const kinds = depth >= 2 ? ["string", "number", "integer", "scalar"] : [...SCALAR_KINDS, ...NESTED_KINDS];
    switch (this.pick(kinds)) {
      case "string":
        return this.string();
      case "number":
        return this.number("number");
      case "integer":
        return this.number("integer");
      case "scalar":
        return this.pick([{ type: "boolean" }, { type: "null" }, { type: ["string", "null"] }, {}]);
      case "enum":
        return this.chance(0.5)
          ? { enum: ["red", "green", 3, null, true].slice(0, this.int(1, 5)) }
          : { const: this.pick(["fixed", 42, false, null]) };
      case "object":
        return this.object(depth);
      case "array":
        return this.array(depth);
      case "anyOf":
        return { anyOf: [this.schema(depth + 1), this.schema(depth + 1)] };
      case "oneOf":
        return { oneOf: [this.string(), { type: "integer", minimum: 0, maximum: 99 }, { type: "null" }] };
      case "allOf":
        // Object keywords on both sides, and keywords the validator ignores (json-schema-merge-objects.ts).
        if (this.chance(0.3))
          return {
            allOf: [
              {
                type: "object",
                "@type": "A",
                properties: { a: this.schema(depth + 1) },
                additionalProperties: this.pick([false, { type: "integer" }, { type: ["integer", "null"] }]),
              },
              { "@type": "B", properties: { b: { type: "integer", minimum: 0 } }, required: ["a"] },
            ],
          };
        if (this.chance(0.5))
          return { allOf: [{ type: "string", minLength: this.int(0, 3) }, { maxLength: this.int(4, 12) }] };
        // Two patterns at once: one automaton (string-automata.ts).
        if (this.chance(0.33))
          return { type: "string", maxLength: 12, allOf: [{ pattern: "^[a-z0-9]+$" }, { pattern: "[0-9]" }] };
        // Two anyOf/oneOf parts that cannot be merged as they are: distributed (json-schema-allof.ts).
        return {
          type: "object",
          properties: { a: this.schema(depth + 1), b: { type: "integer" } },
          allOf: [
            { anyOf: [{ required: ["a"] }, { properties: { c: { type: "null" } }, required: ["c"] }] },
            { [this.pick(["anyOf", "oneOf"])]: [{ required: ["b"] }, { maxProperties: 2 }] },
          ],
        };
      case "ref":
        // Definitions are read from the root only: nested, the references would not resolve.
        if (depth > 0) return this.object(depth);
        return {
          type: "object",
          properties: { item: { $ref: "#/definitions/item" }, more: { $ref: "#/$defs/more" } },
          required: ["item"],
          definitions: { item: this.schema(depth + 1) },
          $defs: { more: { type: "array", items: { $ref: "#/$defs/more" }, maxItems: 2 } },
        };
      case "not":
        return this.negation(depth);
      case "oneOfOverlap":
        return this.overlappingOneOf();
      case "ifThenElse":
        // Parsed from text: an object literal with a `then` key would be a thenable.
        return {
          ...(JSON.parse(
            '{"if": {"properties": {"kind": {"const": "a"}}}, "then": {"required": ["n"]}, "else": {"required": ["m"]}}',
          ) as Schema),
          type: "object",
          properties: { kind: { type: "string", maxLength: 3 }, n: this.number("integer") },
        };
      default:
        // Parsed from text: an object literal with a `then` key would be a thenable.
        return {
          ...(JSON.parse(
            '{"if": {"properties": {"kind": {"const": "a"}}}, "then": {"required": ["n"]}}',
          ) as Schema),
          type: "object",
          properties: { kind: { type: "string" }, n: this.number("integer") },
        };
    }
  }

  /** A `not` beside a schema of its own (json-schema-not.ts writes the complement). */
  private negation(depth: number): Schema {
    switch (this.int(0, 10)) {
      case 0:
        return { ...this.object(depth), not: { required: [this.pick(NAMES)] } };
      case 1:
        return {
          type: ["string", "integer", "null"],
          not: { type: this.pick(["string", "integer", "null"]) },
        };
      case 2:
        return {
          type: "string",
          maxLength: 6,
          not: { enum: ["red", "green", "blue"].slice(0, this.int(1, 3)) },
        };
      case 3:
        return {
          ...this.number(this.pick(["number", "integer"])),
          not: { minimum: this.pick([0, 50, 1e5]) },
        };
      case 4:
        return {
          type: "string",
          maxLength: this.pick([8, 40]),
          // The pattern's complement as an automaton (string-automata.ts); two at once are `not: anyOf`.
          not: this.chance(0.5)
            ? { pattern: this.pick(["^a", "[0-9]", "x$", "^[a-z]+$"]) }
            : { anyOf: [{ pattern: "^a" }, { pattern: "[0-9]{2}" }] },
        };
      case 9:
        // Deeper than the complement route follows: one automaton (string-formula.ts).
        return {
          type: "string",
          maxLength: 12,
          not: { not: { not: { not: { not: { oneOf: [{ pattern: "^a" }, { pattern: "b$" }] } } } } },
        };
      case 5:
        return {
          enum: ["red", "green", 3, null, true],
          not: { type: this.pick(["string", "null", "integer"]) },
        };
      case 8:
        // A key the pattern governs (its shortest match, or longer) whose value fails (json-schema-not.ts).
        return {
          type: "object",
          not: { patternProperties: { ab: { type: "string" } } },
          ...(this.chance(0.5) ? { propertyNames: { pattern: "^.{3,4}$" } } : {}),
        };
      case 7:
        // No complement of a step: the integers of a window that pass (json-schema-number-grid.ts).
        return {
          type: this.pick(["integer", "number"]),
          minimum: this.pick([-20, 0, 100]),
          not: { anyOf: [{ multipleOf: this.int(2, 5) }, { multipleOf: 7 }] },
        };
      case 6:
        // A key the names' schema refuses is required (json-schema-not.ts's refusedNames).
        return {
          type: "object",
          not: {
            propertyNames: this.pick([{ not: { const: "k" } }, { pattern: "^[a-z]+$" }, { maxLength: 2 }]),
          },
          additionalProperties: { type: "integer" },
        };
      default:
        return { not: { anyOf: [{ type: "string" }, { maximum: this.int(-5, 5) }] } };
    }
  }

  /** oneOf branches that overlap: each generated restricted to values failing the others. */
  private overlappingOneOf(): Schema {
    switch (this.int(0, 5)) {
      case 0:
        return { oneOf: [{ type: "string" }, { type: "string", maxLength: this.int(0, 4) }] };
      case 4:
        // Patterns that overlap (digits match both): each restricted by the other's complement.
        return {
          type: "string",
          maxLength: 10,
          oneOf: [{ pattern: "^[a-f0-9]+$" }, { pattern: this.pick(["^[A-F0-9]+$", "[0-9]"]) }],
        };
      case 5: {
        // Told apart by a discriminating property, optional or required (json-schema-oneof.ts).
        const kind = (v: string) => ({
          type: "object",
          properties: { kind: { enum: [v] }, n: this.number("integer") },
          ...(this.chance(0.5) ? { required: ["kind"] } : {}),
        });
        return { oneOf: [kind("a"), kind("b"), { type: "object", properties: { kind: { const: "c" } } }] };
      }
      case 1:
        return {
          type: "object",
          properties: { r: { type: "number" }, w: { type: "number" }, h: { type: "integer" } },
          oneOf: [{ required: ["r"] }, { required: ["w", "h"] }],
        };
      case 2:
        return { oneOf: [{ enum: ["a", "b", 1] }, { enum: ["b", 1, null] }, { type: "boolean" }] };
      default:
        return {
          oneOf: [
            { type: "integer", minimum: 0 },
            { type: "integer", maximum: this.int(5, 50) },
          ],
        };
    }
  }

  private string(): Schema {
    const out: Schema = { type: "string" };
    const mode = this.int(0, 3);
    if (mode === 1) out.format = this.pick(STRING_FORMATS);
    if (mode === 2) out.pattern = this.pick(PATTERNS);
    // A URI beside a pattern on its prefix (json-string-formats.ts's uriWithPrefix).
    const beside = mode === 1 ? this.rand() : 1;
    if (beside < 0.2) Object.assign(out, { format: "uri", pattern: "^(wss?|https)://" });
    // A format and a pattern at once, as one automaton (string-automata.ts).
    else if (beside < 0.4) Object.assign(out, { format: "date", pattern: "-0[1-6]-" });
    if (mode !== 1 || this.chance(0.3)) {
      if (this.chance(0.6)) out.minLength = this.pick([0, 1, 5, 20, 120]);
      if (this.chance(0.5))
        out.maxLength = ((out.minLength as number | undefined) ?? 0) + this.pick([0, 3, 40]);
    }
    return out;
  }

  private number(type: "number" | "integer"): Schema {
    const out: Schema = { type };
    if (this.chance(0.3)) out.format = this.pick(NUMBER_FORMATS);
    if (this.chance(0.6)) out[this.pick(["minimum", "exclusiveMinimum"])] = this.pick([-5, 0, 1.5, 100]);
    if (this.chance(0.6))
      out[this.pick(["maximum", "exclusiveMaximum"])] = this.pick([10, 99.5, 1e6, 2 ** 40]);
    if (this.chance(0.2)) out.multipleOf = this.pick([1, 0.01, 0.5, 0.1, 7, 12]);
    return out;
  }

  private object(depth: number): Schema {
    const names = [...new Set(Array.from({ length: this.int(0, 3) }, () => this.pick(NAMES)))];
    const properties = Object.create(null) as Schema;
    for (const name of names) {
      Object.defineProperty(properties, name, { value: this.schema(depth + 1), enumerable: true });
    }
    const out: Schema = { type: "object", properties };
    if (names.length && this.chance(0.6)) out.required = names.filter(() => this.chance(0.7));
    if (this.chance(0.3))
      out.required = [...new Set([...((out.required as string[]) ?? []), this.pick(NAMES)])];
    const extra = this.int(0, 3);
    if (extra === 1) out.additionalProperties = false;
    if (extra === 2) out.additionalProperties = names.length ? true : this.schema(depth + 1);
    if (extra === 3 && !names.length) out.patternProperties = { "^p_[a-z]+$": { type: "integer" } };
    // A property no value matches (left out where optional), and keys of its own below minProperties.
    if (this.chance(0.15))
      out.properties = { ...properties, never: this.pick([false, { type: "string", enum: [1] }]) };
    if (this.chance(0.15) && extra !== 1 && extra !== 3) out.minProperties = names.length + this.int(1, 2);
    // Below the number of properties: optional ones are left out (json-schema-objects.ts).
    if (this.chance(0.2)) out.maxProperties = Math.max(0, names.length + this.int(-1, 2));
    if (this.chance(0.2)) out.minProperties = this.int(0, names.length);
    if (names.length >= 2 && this.chance(0.2)) out.dependentRequired = { [names[0]!]: [names[1]!] };
    // Taken apart as a union (json-schema-dependencies.ts): an undeclared name, a schema.
    if (names.length && this.chance(0.15))
      out.dependencies = {
        [names[0]!]: this.chance(0.5) ? ["dep"] : { properties: { dep: this.schema(depth + 1) } },
      };
    // Names it refuses are left out, added keys kept to the ones it accepts (json-schema-objects.ts).
    if (this.chance(0.15))
      out.propertyNames = this.pick([
        { pattern: "^[a-z_]+$" },
        { maxLength: 4 },
        { enum: ["id", "x", "key1"] },
      ]);
    // A plain object literal, so that `__proto__` is an own key as after JSON.parse.
    return JSON.parse(JSON.stringify(out)) as Schema;
  }

  private array(depth: number): Schema {
    const out: Schema = { type: "array" };
    if (this.chance(0.25)) {
      const tuple = [this.schema(depth + 1), this.schema(depth + 1)];
      const rest = this.chance(0.5) ? false : this.schema(depth + 1);
      if (this.draft2020) Object.assign(out, { prefixItems: tuple, items: rest });
      else Object.assign(out, { items: tuple, additionalItems: rest });
    } else out.items = this.schema(depth + 1);
    if (this.chance(0.5)) out.minItems = this.int(0, 2);
    if (this.chance(0.5)) out.maxItems = ((out.minItems as number | undefined) ?? 0) + this.int(0, 3);
    if (this.chance(0.15)) Object.assign(out, { uniqueItems: true, maxItems: 1 });
    // The first items generated as matches (json-schema-arrays.ts); minContains in 2020-12.
    if (this.chance(0.15)) {
      out.contains = this.pick([
        { type: "integer", minimum: 3 },
        { const: "x" },
        { type: ["null", "boolean"] },
      ]);
      if (this.draft2020 && this.chance(0.5)) out.minContains = this.int(0, 2);
    }
    return out;
  }
}

const SCALAR_KINDS = ["string", "number", "integer", "scalar", "enum"];
const NESTED_KINDS = [
  "object",
  "object",
  "array",
  "anyOf",
  "oneOf",
  "allOf",
  "ref",
  "ifThen",
  "not",
  "oneOfOverlap",
  "ifThenElse",
];
