/**
 * Bounds on a regex before any engine builds an automaton from it: group nesting, and the size of
 * the pattern once counted repeats are written out (`(x{9}){9}` is 81 copies of x). Nested
 * counted repeats multiply, so a 74-byte pattern such as `((((x?){2}){2})…){2}` can stand for
 * tens of thousands of states; refusing it costs one linear scan, with no recursion.
 */
export interface RegexBounds {
  /** Groups inside one another. */
  maxDepth: number;
  /** Atoms after counted repeats are written out. */
  maxExpansion: number;
}

export const REGEX_BOUNDS: RegexBounds = { maxDepth: 32, maxExpansion: 4096 };

export type RegexBoundsProblem = { problem: string; at: number } | undefined;

/** How many copies of its operand a quantifier at `i` writes out, and where the quantifier ends. */
function quantifier(source: string, i: number): { copies: number; end: number } | undefined {
  const c = source[i];
  if (c === "*" || c === "+" || c === "?") return { copies: 1, end: i + 1 };
  if (c !== "{") return undefined;
  const m = /^\{(\d*)(,?)(\d*)\}/.exec(source.slice(i, i + 24));
  if (!m || (m[1] === "" && m[3] === "")) return undefined; // a literal brace
  const min = m[1] === "" ? 0 : Number(m[1]);
  const max = m[3] === "" ? (m[2] === "," ? min + 1 : min) : Number(m[3]);
  return { copies: Math.max(1, min, max), end: i + m[0].length };
}

/**
 * The first bound the pattern breaks, or undefined. Reads ECMAScript and Python syntax alike
 * (only groups, `|`, classes, escapes and quantifiers matter here). The largest expansion among
 * the 2,457 patterns of the jsonschemabench corpus is under 1,000 elements.
 */
export function regexBoundsProblem(source: string, bounds: RegexBounds = REGEX_BOUNDS): RegexBoundsProblem {
  // One frame per open group: the expanded size of its alternatives so far.
  const frames: Array<{ done: number; current: number; at: number }> = [{ done: 0, current: 0, at: 0 }];
  let last = 0; // expanded size of the atom just read, for a following quantifier
  const over = (n: number) => n > bounds.maxExpansion;
  for (let i = 0; i < source.length; ) {
    const frame = frames[frames.length - 1]!;
    const c = source[i]!;
    if (c === "(") {
      if (frames.length > bounds.maxDepth)
        return { problem: `groups are nested deeper than ${bounds.maxDepth} levels`, at: i };
      frames.push({ done: 0, current: 0, at: i });
      i++;
      last = 0;
      continue;
    }
    if (c === ")") {
      if (frames.length > 1) {
        frames.pop();
        last = 1 + frame.done + frame.current;
        frames[frames.length - 1]!.current += last;
      }
      i++;
    } else if (c === "|") {
      frame.done += frame.current;
      frame.current = 0;
      last = 0;
      i++;
      continue;
    } else if (c === "[") {
      let j = i + 1;
      if (source[j] === "^") j++;
      if (source[j] === "]") j++;
      while (j < source.length && source[j] !== "]") j += source[j] === "\\" ? 2 : 1;
      i = j + 1;
      last = 1;
      frame.current += 1;
    } else {
      i += c === "\\" ? 2 : 1;
      last = 1;
      frame.current += 1;
    }
    const q = quantifier(source, i);
    if (q) {
      const owner = frames[frames.length - 1]!;
      owner.current += last * (q.copies - 1);
      last *= q.copies;
      i = q.end;
      if (source[i] === "?" || source[i] === "+") i++; // lazy or possessive
    }
    const size = frames.reduce((n, f) => n + f.done + f.current, 0);
    if (over(size) || over(last)) {
      return { problem: `written out, its counted repeats exceed ${bounds.maxExpansion} elements`, at: i };
    }
  }
  return undefined;
}
