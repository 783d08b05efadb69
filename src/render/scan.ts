/**
 * Linear-time look-ahead for the math rules in markdown.ts.
 *
 * A rule that, at each opener (`\(`, `\[`, `$$` or `\begin{..}` at a line start, `\begin{..}` inside a
 * paragraph), scans the rest of the text for its closer costs O(n) per opener and O(n^2) for text made of
 * openers: 20,000 unclosed `\begin{a}` in a paragraph took 15.9 s, 30,000 unclosed `\[` 3.6 s. These helpers
 * compute each answer once per text (one pass, remembered for the parse of that text), so every rule's
 * look-ahead is O(1) amortised and the same answers come out.
 */

/** The next occurrence of a fixed string at or after a position; remembers its last answer (queries move forward). */
export class NextIndex {
    private from = -1;
    private at = -1;
    public constructor(private readonly src: string, private readonly needle: string) {}

    public find(from: number): number {
        // The last answer holds for any start between the last query and the occurrence found (or the end).
        if (this.from >= 0 && from >= this.from && (this.at < 0 || this.at >= from)) return this.at;
        this.from = from;
        this.at = this.src.indexOf(this.needle, from);
        return this.at;
    }
}

/** `\begin{..}` / `\end{..}` tokens of a text and, for each begin, where its matching end finishes. */
export interface EnvTokens {
    /** Start offsets of the tokens, in order. */
    readonly starts: number[];
    /** Per token: for a begin, the offset just after its matching end (-1 when it has none); for an end, -2. */
    readonly matchEnd: number[];
    /** Per token: for a begin, the index of its matching end token (-1 when none). */
    readonly matchToken: number[];
}

/**
 * Finds the tokens of `re` (a global regexp whose first group is "begin" or "end") in `src`, line by line
 * unless `perLine` is false (as the scan it replaces: a per-line scan never sees a token that spans lines), and pairs each begin with its end by a
 * stack: a begin's match is where the depth counted from it returns to zero, which is what a scan from that
 * begin finds. An end with no open begin is left unpaired.
 */
export function envTokens(src: string, re: RegExp, perLine = true): EnvTokens {
    const starts: number[] = [];
    const ends: number[] = [];
    const isBegin: boolean[] = [];
    let lineStart = 0;
    while (lineStart <= src.length) {
        const nl = perLine ? src.indexOf("\n", lineStart) : -1;
        const lineEnd = nl < 0 ? src.length : nl;
        const line = src.slice(lineStart, lineEnd);
        if (line.includes("\\")) {
            re.lastIndex = 0;
            for (let m = re.exec(line); m; m = re.exec(line)) {
                starts.push(lineStart + m.index);
                ends.push(lineStart + m.index + m[0].length);
                isBegin.push(m[1] === "begin" || m[1] === "\\begin");
                if (m[0].length === 0) re.lastIndex++;
            }
        }
        if (nl < 0) break;
        lineStart = nl + 1;
    }
    const matchEnd = new Array<number>(starts.length);
    const matchToken = new Array<number>(starts.length);
    const stack: number[] = [];
    for (let i = 0; i < starts.length; i++) {
        if (isBegin[i]) {
            matchEnd[i] = -1;
            matchToken[i] = -1;
            stack.push(i);
        } else {
            matchEnd[i] = -2;
            matchToken[i] = -2;
            const open = stack.pop();
            if (open != null) {
                matchEnd[open] = ends[i]!;
                matchToken[open] = i;
            }
        }
    }
    return {starts, matchEnd, matchToken};
}

/** Start offsets of the lines of `src` (line i begins at starts[i]). */
export function lineStarts(src: string): number[] {
    const starts = [0];
    for (let i = src.indexOf("\n"); i >= 0; i = src.indexOf("\n", i + 1)) starts.push(i + 1);
    return starts;
}

/** The line (index into {@link lineStarts}) holding offset `pos`. */
export function lineOf(starts: readonly number[], pos: number): number {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid]! <= pos) lo = mid;
        else hi = mid - 1;
    }
    return lo;
}

/** Index of the first token starting at or after `pos` (binary search), or `starts.length`. */
export function firstTokenAt(t: EnvTokens, pos: number): number {
    let lo = 0;
    let hi = t.starts.length;
    while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (t.starts[mid]! < pos) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/**
 * Per-parse memo: one value per (parse state, key), built on first use. Keys are objects that live exactly as
 * long as one parse (markdown-it's state or env objects), so nothing outlives the text it was computed for.
 */
export function memoFor<T>(owner: object, key: string, src: string, build: () => T): T {
    let perOwner = memos.get(owner);
    if (perOwner == null) memos.set(owner, (perOwner = new Map()));
    const hit = perOwner.get(key);
    if (hit != null && hit.src === src) return hit.value as T;
    const value = build();
    perOwner.set(key, {src, value});
    return value;
}

const memos = new WeakMap<object, Map<string, {src: string; value: unknown}>>();
