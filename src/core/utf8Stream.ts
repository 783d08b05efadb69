/**
 * Incremental detokenization that never splits a UTF-8 character.
 *
 * A byte-level BPE token can end in the middle of a multi-byte character (an emoji is often 2-4 tokens). llama.cpp
 * turns such a partial character into U+FFFD, so the stream holds tokens back while their text ends in U+FFFD and
 * releases them, decoded together, once the character is complete. A real U+FFFD from the model is released after
 * `maxHeldTokens` tokens (no UTF-8 character is longer than 4 bytes).
 *
 * Cost per token: one detokenize call over the held tokens (usually one token), never over the whole text.
 */

/** Turns tokens into text; `context` are the tokens just before (for tokenizers that strip a leading space). */
export type Detokenize<T> = (tokens: readonly T[], context: readonly T[]) => string;

export class TokenTextStream<T = number> {
    private held: T[] = [];
    private context: T[] = [];

    constructor(private readonly detokenize: Detokenize<T>, private readonly maxHeldTokens = 4) {}

    /** Adds a token; returns the text that became complete ("" while a character is still partial). */
    push(token: T): string {
        this.held.push(token);
        const text = this.detokenize(this.held, this.context);
        if (text.endsWith("\uFFFD") && this.held.length < this.maxHeldTokens) return "";
        this.context = this.held;
        this.held = [];
        return text;
    }

    /** Releases whatever is held (at the end of a phase), partial characters included. */
    flush(): string {
        if (this.held.length === 0) return "";
        const text = this.detokenize(this.held, this.context);
        this.context = this.held;
        this.held = [];
        return text;
    }

    /** Tokens pushed but not yet released as text. */
    get pending(): readonly T[] { return this.held; }
}

/** A {@link TokenTextStream} over raw bytes per token (for tests and byte-level vocabularies). */
export function bytesDetokenizer(bytesOf: (token: number) => Uint8Array): Detokenize<number> {
    const decoder = new TextDecoder("utf-8", {fatal: false});
    return (tokens) => {
        const parts = tokens.map(bytesOf);
        const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let at = 0;
        for (const p of parts) { all.set(p, at); at += p.length; }
        return decoder.decode(all);
    };
}
