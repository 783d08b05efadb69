/** Shared by the render tests and the render bench: corpus loading, a seeded RNG, an HTML text walker. */
import {readFileSync} from "node:fs";
import {join} from "node:path";
import {fromRoot} from "../paths";

export interface CorpusItem {
    readonly id: string;
    readonly text: string;
    readonly file: string;
    readonly meta?: {readonly purpose?: string; readonly features?: readonly string[]};
}


/** The folder test/data/render-corpus. */
export function corpusDir(): string {
    return fromRoot("test", "data", "render-corpus");
}

export function loadCorpus(): CorpusItem[] {
    const items: CorpusItem[] = [];
    for (const file of ["math_solutions.jsonl", "r1_outputs_skyt1.jsonl"]) {
        for (const line of readFileSync(join(corpusDir(), file), "utf8").split("\n")) {
            if (line.trim() === "") continue;
            const o = JSON.parse(line) as {id: string; text: string; meta?: CorpusItem["meta"]};
            items.push({id: o.id, text: o.text, file, meta: o.meta});
        }
    }
    return items;
}

/** mulberry32: small, seeded, good enough to pick split points. */
export function rng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/** Splits text into pieces of 1..maxLen characters (never inside a surrogate pair). */
export function randomSplit(text: string, random: () => number, maxLen = 6): string[] {
    const out: string[] = [];
    let i = 0;
    while (i < text.length) {
        let n = 1 + Math.floor(random() * maxLen);
        if (i + n < text.length && /[\uD800-\uDBFF]/.test(text[i + n - 1]!)) n++;
        out.push(text.slice(i, i + n));
        i += n;
    }
    return out;
}

/** Token-like pieces: words with their leading space, runs of punctuation, single backslash commands. */
export function tokenLike(text: string): string[] {
    return text.match(/\\[a-zA-Z]+|\s*[A-Za-z]{1,4}|\s*[0-9]{1,3}|\s+|[^\sA-Za-z0-9]/g) ?? [];
}

const hiddenClasses = /\b(katex|em-math-error|em-pending-math)\b/;

/**
 * The text a reader sees outside formulas and code: text nodes not inside <code>, <pre>, a `.katex` element,
 * or an error / pending-math span. Entities are decoded.
 */
export function textOutsideMath(html: string): string {
    const stack: boolean[] = []; // per open element: does it hide its text?
    let hidden = 0;
    let out = "";
    const re = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)([^>]*?)(\/?)>|([^<]+)/g;
    for (let m = re.exec(html); m; m = re.exec(html)) {
        if (m[5] !== undefined) {
            if (hidden === 0) out += m[5];
            continue;
        }
        const closing = m[1] === "/";
        const tag = m[2]!.toLowerCase();
        const selfClosing = m[4] === "/" || ["br", "hr", "img", "input"].includes(tag);
        if (closing) {
            const h = stack.pop();
            if (h) hidden--;
        } else if (!selfClosing) {
            const cls = /class="([^"]*)"/.exec(m[3] ?? "")?.[1] ?? "";
            const h = tag === "code" || tag === "pre" || tag === "math" || hiddenClasses.test(cls);
            stack.push(h);
            if (h) hidden++;
        }
    }
    return out.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, "\"").replace(/&#39;/g, "'").replace(/&amp;/g, "&");
}

/** LaTeX that should have been rendered, seen as raw text. */
export const latexLeak = /\\(?:frac|dfrac|tfrac|begin|end|sqrt|cdot|boxed|text|left|right|sum|int|le|ge|neq|times|pi|alpha|theta|mathbb|operatorname)(?![a-zA-Z])|\^\{|_\{/g;

/** The bundled formula worker (out/formulaWorker.js, built by scripts/build.mjs). */
export function formulaWorkerFile(): string {
    return fromRoot("out", "formulaWorker.js");
}
