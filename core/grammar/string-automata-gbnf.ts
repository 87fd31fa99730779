/**
 * A DFA of string-automata.ts as GBNF for the characters of a JSON string: one rule per (state,
 * length so far) — the length counter keeps `minLength`/`maxLength` exactly — and a state that
 * accepts and keeps every character as free text in one rule. Rule names start with a prefix of
 * the caller's, so that rules of different automata never clash.
 */
import { type CharRange, CharSet, type DFA } from "refa";
import { RegexUnsupported } from "./regex-ast.js";
import { ALPHABET, ANCHORS, END, MAX, MAX_RULES, START, tooBig } from "./string-automata.js";

export interface StatesGbnf {
  /** The string's characters (no quotes), as a GBNF expression naming `rules`. */
  body: string;
  rules: Record<string, string>;
}

export type RenderSet = (ranges: Array<[number, number]>) => string | null;

/**
 * GBNF (one rule per state and length) for the strings the DFA accepts whose length is in
 * [min, max]; null when there is none. `render` writes one transition's characters as JSON string
 * text (null: none of them can be written, the transition is left out — a subset).
 */
export function dfaGbnf(
  dfa: DFA,
  min: number,
  max: number,
  render: RenderSet,
  prefix: string,
): StatesGbnf | null {
  // A longest length the rules do not fit under is lowered (a subset), down to min + 16.
  const tries = [max, ...[256, 64, 16].map((d) => min + d).filter((m) => m < max)];
  for (const [i, m] of tries.entries()) {
    try {
      return boundedGbnf(dfa, [min, m], render, prefix);
    } catch (err) {
      if (!(err instanceof RegexUnsupported) || i === tries.length - 1) throw err;
    }
  }
  return null;
}

function boundedGbnf(dfa: DFA, [min, max]: [number, number], render: RenderSet, prefix: string) {
  // After the leading anchor characters; accepting where the trailing ones lead to acceptance.
  const read = (q: DFA.Node | undefined, char: number) => {
    for (let i = 0; i < ANCHORS && q; i++) q = q.out.get(char);
    return q;
  };
  const first = read(dfa.initial, START);
  if (!first) return null;
  const final = (q: DFA.Node) => {
    const end = read(q, END);
    return end !== undefined && dfa.finals.has(end);
  };
  const any = render(ALPHABET.ranges.map((r) => [r.min, r.max]));
  // A state every further character keeps, that accepts: the rest is free text (one rule).
  const free = (q: DFA.Node) => {
    if (any === null || !final(q)) return false;
    const loops = [...q.out.entries()].filter(([, to]) => to === q).map(([range]) => range);
    return ALPHABET.without(CharSet.empty(MAX).union(loops)).isEmpty;
  };
  const cap = max === Infinity ? min : max;
  type State = { edges: Array<[string, string]>; accept: boolean; text?: string };
  const states = new Map<string, State>();
  const idMap = new Map<DFA.Node, number>();
  const id = (q: DFA.Node) => {
    if (!idMap.has(q)) idMap.set(q, idMap.size);
    return idMap.get(q)!;
  };
  const key = (q: DFA.Node, len: number) => `${id(q)}:${len}`;
  const queue: Array<[DFA.Node, number]> = [[first, 0]];
  states.set(key(first, 0), { edges: [], accept: false });
  while (queue.length) {
    const [q, len] = queue.shift()!;
    const state = states.get(key(q, len))!;
    if (free(q)) {
      const lo = Math.max(0, min - len);
      const hi = max === Infinity ? "" : String(max - len);
      state.accept = true;
      state.text = hi === "0" ? '""' : lo === 0 && hi === "" ? `${any}*` : `${any}{${lo},${hi}}`;
      continue;
    }
    state.accept = final(q) && len >= min;
    if (max !== Infinity && len + 1 > max) continue;
    const next = max === Infinity ? Math.min(len + 1, cap) : len + 1;
    const byTarget = new Map<DFA.Node, CharRange[]>();
    for (const [range, to] of q.out.entries()) {
      const chars = CharSet.fromRange(MAX, range).intersect(ALPHABET);
      if (!chars.isEmpty) byTarget.set(to, [...(byTarget.get(to) ?? []), ...chars.ranges]);
    }
    for (const [to, ranges] of byTarget) {
      const text = render(
        CharSet.empty(MAX)
          .union(ranges)
          .ranges.map((r) => [r.min, r.max]),
      );
      if (text === null) continue;
      const k = key(to, next);
      if (!states.has(k)) {
        if (states.size >= MAX_RULES) throw tooBig(MAX_RULES, "grammar rules");
        states.set(k, { edges: [], accept: false });
        queue.push([to, next]);
      }
      state.edges.push([text, k]);
    }
  }
  // Only states from which an accepting one is reachable are kept.
  const alive = new Set([...states].filter(([, s]) => s.accept).map(([k]) => k));
  for (let grew = true; grew; ) {
    grew = false;
    for (const [k, s] of states) {
      if (!alive.has(k) && s.edges.some(([, t]) => alive.has(t))) {
        alive.add(k);
        grew = true;
      }
    }
  }
  const startKey = key(first, 0);
  if (!alive.has(startKey)) return null;
  const names = new Map([...alive].map((k, i) => [k, `${prefix}-${i}`]));
  const rules: Record<string, string> = {};
  for (const k of alive) {
    const s = states.get(k)!;
    if (s.text !== undefined) {
      rules[names.get(k)!] = s.text;
      continue;
    }
    const alts = s.edges.filter(([, t]) => alive.has(t)).map(([text, t]) => `${text} ${names.get(t)}`);
    if (s.accept) alts.push('""');
    rules[names.get(k)!] = alts.join(" | ");
  }
  return { body: names.get(startKey)!, rules };
}
