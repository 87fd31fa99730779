/**
 * JSON Schema → the lowered form gbnf-json.ts writes as GBNF (a small JSON-Schema-shaped form:
 * every property is generated, extra keys only where none is declared, `gbnf` nodes for bounded
 * numbers and patterns). This module maps what the grammar can express exactly or as a safe subset
 * (every output still validates) and rejects the rest up front with schema_unsupported naming the
 * keyword. Nothing is silently dropped. README.md states the supported subset.
 */
import { type Draft, draftOf } from "../constraints/ajv-drafts.js";
import { withAutomatonBudget } from "./automaton-budget.js";
import { valueAtPointer } from "../constraints/json-pointer.js";
import { isGrammarError } from "./errors.js";
import { branchesSchema, conditional, type Lowering, withoutNot } from "./json-schema-combinators.js";
import { dependencyUnion, hasSchemaDependency } from "./json-schema-dependencies.js";
import { Definitions } from "./json-schema-defs.js";
import { localizeRefs } from "./json-schema-refs.js";
import { withUnicodePatterns } from "./legacy-pattern.js";
import { loweredToGbnf } from "./gbnf-json.js";
import { allOfSchema } from "./json-schema-allof.js";
import { ARRAY_KEYS, arraySchema } from "./json-schema-arrays.js";
import type { Json, Node, Out } from "./json-schema-common.js";
import { EmptySchema, emptySchema, has, isNode, unsupported } from "./json-schema-common.js";
import { numberGrid } from "./json-schema-number-grid.js";
import { type LiteralContext, literalValues, valuesPassing } from "./json-schema-literals.js";
import { mergeSchemas } from "./json-schema-merge.js";
import { integerSchema, NUMBER_KEYS, numberSchema, withNumberFormat } from "./json-schema-numbers.js";
import type { NotContext } from "./json-schema-not.js";
import { OBJECT_KEYS, objectSchema } from "./json-schema-objects.js";
import { stringFormulaSchema, stringSchema } from "./json-schema-strings.js";

/** Keywords that constrain instances but that the grammar cannot express (type-aware below). */
const UNSUPPORTED: Record<string, string[]> = {
  any: ["not", "$dynamicRef", "$recursiveRef", "unevaluatedProperties"],
  string: ["contentSchema"],
  number: NUMBER_KEYS,
  object: ["unevaluatedProperties"],
  array: ["maxContains", "unevaluatedItems"],
};
const STRING_KEYS = ["minLength", "maxLength", "format", "pattern"];
const COMBINATORS = ["$ref", "allOf", "anyOf", "oneOf", "enum", "const", "if", "then", "else"];
/** Every keyword this module reads or rejects; anything else is an annotation and is ignored. */
const VALIDATION = new Set([
  "type",
  ...COMBINATORS,
  ...STRING_KEYS,
  ...OBJECT_KEYS,
  ...ARRAY_KEYS,
  ...Object.values(UNSUPPORTED).flat(),
]);
const TYPES = ["string", "number", "integer", "boolean", "null", "object", "array"] as const;
type TypeName = (typeof TYPES)[number];

class Converter implements Lowering, LiteralContext {
  private readonly defsIn: Record<string, Json>;

  constructor(
    readonly root: Node,
    readonly draft: Draft,
  ) {
    this.defsIn = {
      ...(isNode(root.definitions) ? root.definitions : {}),
      ...(isNode(root.$defs) ? root.$defs : {}),
    };
  }

  private depth = 0;
  readonly defs = new Definitions();
  readonly inlining = new Set<string>();

  convert(schema: Json, at: string): Out {
    if (this.depth > 100)
      throw unsupported("a schema nested more than 100 levels deep (or recursive in place)", at);
    this.depth++;
    const mark = this.defs.mark();
    try {
      try {
        return this.convertNode(schema, at);
      } catch (err) {
        // What the schema-level routes refuse, a string formula of patterns under combinators may
        // still take as one automaton (string-formula.ts); a schema with no value stays refused.
        if (!isGrammarError(err) || err instanceof EmptySchema || !isNode(schema)) throw err;
        const context = { ...this.notContext(at), validating: (k: string) => this.validating(k) };
        const formula = stringFormulaSchema(schema, context, at);
        if (!formula) throw err;
        return formula;
      }
    } catch (err) {
      // A refusal may be caught (an optional property, a union branch left out): the definitions
      // registered meanwhile may be unfinished or refer to unfinished ones, so none may stay.
      this.defs.rollback(mark);
      // A number schema the grammar refuses, or finds no value for among the subsets it writes,
      // may still have integers the validator accepts.
      const grid = isGrammarError(err) ? numberGrid(schema, at, (v, s) => this.passing(v, s)) : undefined;
      if (grid) return grid;
      throw err;
    } finally {
      this.depth--;
    }
  }

  private convertNode(schema: Json, at: string): Out {
    if (schema === true) return this.anyScalar();
    if (schema === false) throw emptySchema("a `false` schema", at);
    if (!isNode(schema)) throw unsupported(`a schema that is not an object (${JSON.stringify(schema)})`, at);
    const validating = Object.keys(schema).filter((k) => VALIDATION.has(k) && has(schema, k));
    const siblingsOf = (k: string) => validating.filter((v) => v !== k);
    const finite = literalValues(this, schema, at);
    if (finite) return finite;
    if (has(schema, "not")) return withoutNot(this, schema, at);
    for (const k of UNSUPPORTED.any!) if (has(schema, k)) throw unsupported(`\`${k}\``, at);

    if (has(schema, "$ref")) {
      // Up to draft-07 the validator ignores a $ref's siblings, later drafts apply both: generating
      // the merge of the two satisfies either reading.
      if (siblingsOf("$ref").length) return this.convert(this.inline(schema, at, 0), at);
      return { $ref: `#/$defs/${this.ref(String(schema.$ref), at)}` };
    }
    if (hasSchemaDependency(schema)) return dependencyUnion(this, schema, at);
    if (has(schema, "if") || has(schema, "then") || has(schema, "else")) return conditional(this, schema, at);
    if (has(schema, "allOf")) {
      // `allOf: [X]` alone is X: converted as X, a `$ref` stays a reference (so a recursive
      // definition reached this way ends in a rule instead of being inlined into itself).
      const parts = schema.allOf;
      if (Array.isArray(parts) && parts.length === 1 && siblingsOf("allOf").length === 0)
        return this.convert(parts[0] as Json, `${at}/allOf/0`);
      return allOfSchema(this, schema, at);
    }
    for (const k of ["anyOf", "oneOf"] as const) {
      if (has(schema, k)) return branchesSchema(this, schema, k, siblingsOf(k).length > 0, at);
    }
    const types = this.typesOf(schema, at);
    if (types.length === 1) return this.single(schema, types[0]!, at);
    return { oneOf: types.map((t) => this.single(schema, t, at)) };
  }

  notContext(at: string): NotContext {
    return {
      draft: this.draft,
      resolve: (s) => this.resolveAsDraft(s, at),
      budget: { left: 400 },
      passing: (values, s) => this.passing(values, s),
    };
  }

  /**
   * A schema with its top-level `$ref` resolved as the validator reads it: up to draft-07 the
   * target alone (siblings ignored), later the exact merge; undefined where that is not simple.
   */
  private resolveAsDraft(schema: Json, at: string): Json | undefined {
    if (!isNode(schema) || typeof schema.$ref !== "string") return schema;
    const legacy = ["draft-04", "draft-06", "draft-07"].includes(this.draft);
    try {
      return this.inline(legacy ? { $ref: schema.$ref } : schema, at, 0);
    } catch {
      return undefined;
    }
  }

  validating(keyword: string): boolean {
    return VALIDATION.has(keyword);
  }

  /** Whether a schema has no validating keyword (every value matches it). */
  trivial(schema: Json): boolean {
    return schema === true || (isNode(schema) && !Object.keys(schema).some((k) => VALIDATION.has(k)));
  }

  /** A schema with its top-level local `$ref` replaced by the definition merged with its siblings. */
  inline(schema: Json, at: string, depth: number): Json {
    if (!isNode(schema) || typeof schema.$ref !== "string") return schema;
    const { $ref, ...siblings } = schema;
    const target = $ref === "#" ? this.root : this.lookup($ref as string);
    if (target === undefined || depth > 16) throw unsupported(`the reference "${$ref}" here`, at);
    const merged = mergeSchemas(this.inline(target, at, depth + 1), siblings);
    if (merged === undefined)
      throw unsupported("`$ref` with sibling keywords that cannot be merged into it", at);
    return merged;
  }

  /** Registers a local definition and returns its name; other references are rejected. */
  private ref(ref: string, at: string): string {
    if (ref === "#") {
      // "#" is not a definition name (those come from #/definitions/<name>), so it cannot collide.
      this.defs.register("#", () => this.convert(this.root, "#"), isGrammarError);
      return "#";
    }
    const name = definitionName(ref);
    if (name === undefined) {
      // Any other JSON pointer into the root, registered under the pointer itself (a definition
      // name never starts with "#/").
      const target = this.pointer(ref);
      if (target === undefined)
        throw unsupported(
          `the reference "${ref}" (only local JSON pointers such as #/definitions/<name>)`,
          at,
        );
      this.defs.register(ref, () => this.convert(target, ref), isGrammarError);
      return ref;
    }
    if (!Object.hasOwn(this.defsIn, name))
      throw unsupported(`the reference "${ref}" to a missing definition`, at);
    this.defs.register(name, () => this.convert(this.defsIn[name]!, ref), isGrammarError);
    return name;
  }

  typesOf(schema: Node, at: string): TypeName[] {
    const declared = schema.type;
    if (declared !== undefined) {
      const list = Array.isArray(declared) ? declared : [declared];
      for (const t of list) {
        if (!TYPES.includes(t as TypeName)) throw unsupported(`the type ${JSON.stringify(t)}`, at);
      }
      // "integer" is a subset of "number": generating integers only when both are listed is still valid.
      const set = list as TypeName[];
      return set.includes("number") ? set.filter((t) => t !== "integer") : set;
    }
    if (has(schema, "const") || has(schema, "enum")) return [...TYPES];
    const present = (keys: string[]) => keys.some((k) => has(schema, k));
    const inferred: TypeName[] = [];
    if (present(OBJECT_KEYS) || present(UNSUPPORTED.object!)) inferred.push("object");
    if (present(ARRAY_KEYS) || present(UNSUPPORTED.array!)) inferred.push("array");
    if (present(STRING_KEYS)) inferred.push("string");
    if (present(NUMBER_KEYS)) inferred.push("number");
    // An untyped schema accepts anything: scalars are the useful subset to generate.
    return inferred.length ? inferred : ["string", "number", "boolean", "null"];
  }

  private anyScalar(): Out {
    return { type: ["string", "number", "boolean", "null"] };
  }

  lookup(ref: string): Json | undefined {
    const name = definitionName(ref);
    if (name === undefined) return this.pointer(ref);
    return Object.hasOwn(this.defsIn, name) ? this.defsIn[name] : undefined;
  }

  /** The schema at a pointer from the root (json-schema-refs.ts made every resolvable `$ref` one). */
  private pointer(ref: string): Json | undefined {
    return valueAtPointer(this.root, ref) as Json | undefined;
  }

  private single(schema: Node, type: TypeName, at: string): Out {
    for (const k of UNSUPPORTED[type === "integer" ? "number" : type] ?? []) {
      if (has(schema, k) && !NUMBER_KEYS.includes(k)) throw unsupported(`\`${k}\``, at);
    }
    switch (type) {
      case "number": {
        const { integer, bounded } = withNumberFormat(schema);
        return integer ? integerSchema(bounded, at) : numberSchema(schema, at);
      }
      case "string":
        return stringSchema(schema, at);
      case "integer":
        return integerSchema(withNumberFormat(schema).bounded, at);
      case "object":
        return this.object(schema, at);
      case "array":
        return this.array(schema, at);
      default:
        return { type };
    }
  }

  /** The values the validator accepts against a schema (json-schema-literals.ts), if it can say. */
  private passing(values: Json[], schema: Json): Json[] | undefined {
    if (schema === true || schema === false) return schema ? values : [];
    return isNode(schema) ? valuesPassing(values, schema, this.root, this.draft) : undefined;
  }

  private object(schema: Node, at: string): Out {
    // `propertyNames` (not in draft-04): names checked by the validator's ajv.
    const names = this.draft === "draft-04" ? undefined : schema.propertyNames;
    const fits =
      names === undefined ? undefined : (list: string[]) => this.passing(list, names) as string[] | undefined;
    return objectSchema(schema, at, (s, where) => this.convert(s, where), fits);
  }

  private array(schema: Node, at: string): Out {
    return arraySchema(schema, at, this.draft, (s, where) => this.convert(s, where));
  }
}

/** The name `#/definitions/<name>` (or `#/$defs/<name>`) refers to, its escapes undone. */
function definitionName(ref: string): string | undefined {
  const match = /^#\/(definitions|\$defs)\/([^/]+)$/.exec(ref);
  if (!match) return undefined;
  try {
    return decodeURIComponent(match[2]!).replace(/~1/g, "/").replace(/~0/g, "~");
  } catch {
    return undefined;
  }
}

/**
 * Lowers a JSON Schema for gbnf-json.ts (definitions under `$defs`), or throws schema_unsupported
 * naming the first keyword the grammar cannot enforce.
 */
export function lowerJsonSchema(schema: Record<string, unknown>): Out {
  // A `$schema` the validator does not know is its to refuse; the grammar reads it as draft-07.
  const draft = draftOf(typeof schema.$schema === "string" ? schema.$schema : undefined) ?? "draft-07";
  // One budget for the automata of the whole lowering (automaton-budget.ts).
  return withAutomatonBudget(() => {
    const converter = new Converter(withUnicodePatterns(localizeRefs(schema as Node, draft)), draft);
    const root = converter.convert(converter.root, "");
    const defs = converter.defs.out;
    return Object.keys(defs).length === 0 ? root : { ...root, $defs: defs };
  });
}

/** GBNF (root rule `root`) for a JSON Schema, or schema_unsupported naming what it cannot enforce. */
export function jsonSchemaToGbnf(schema: Record<string, unknown>): string {
  const { $defs, ...root } = lowerJsonSchema(schema);
  return loweredToGbnf(root, ($defs ?? {}) as Record<string, Out>);
}
