/**
 * The local backend of the phase loop (phases.ts): node-llama-cpp's low-level `sequence.evaluate()`.
 *
 * Each token yielded is one sampled token; it enters the KV cache only when the next evaluation feeds it, so after a
 * step ends the last sampled token is kept pending and fed first when the next step continues (a dropped close,
 * think longer, is never fed). The session records every token id for the engine's trace.
 */
import type {GenerationSession, StepRequest, StepResult} from "./phases";
import {TokenTextStream} from "../utf8Stream";
import {appendAll} from "./tokens";
import type {LockstepMember} from "./lockstep";
import {evaluateSampling, type Sampling} from "./sampler";

type LlamaModel = import("node-llama-cpp").LlamaModel;
type LlamaContextSequence = import("node-llama-cpp").LlamaContextSequence;
type Token = import("node-llama-cpp").Token;

export interface LocalSessionOptions {
    readonly model: LlamaModel;
    readonly sequence: LlamaContextSequence;
    /** Prompt tokens not yet evaluated (at least the last one: sampling starts from it). */
    readonly pendingPrompt: readonly Token[];
    readonly closeToken: Token | null;
    readonly cutTokens: readonly Token[];
    readonly waitTokens: readonly Token[];
    readonly sampling: Sampling;
    readonly signal: AbortSignal;
    /** A parallel vote's sequence: waits for the other sequences before each evaluation (lockstep.ts). */
    readonly lockstep?: LockstepMember;
}

export class LocalSession implements GenerationSession {
    readonly thinkingIds: Token[] = [];
    readonly solutionIds: Token[] = [];
    readonly cutIds: Token[] = [];
    readonly forced: {at: number; tokens: Token[]}[] = [];
    /** The last sampled token, not fed yet. */
    private last: Token | undefined;
    private promptPending: Token[];

    constructor(private readonly o: LocalSessionOptions) {
        this.promptPending = [...o.pendingPrompt];
    }

    async step(req: StepRequest): Promise<StepResult> {
        const {model, sequence, signal} = this.o;
        const ids = req.phase === "thinking" ? this.thinkingIds : this.solutionIds;
        let feed: Token[];
        switch (req.feed) {
            case "prompt": feed = this.promptPending; this.promptPending = []; break;
            case "close": feed = this.last != null ? [this.last] : []; break;
            case "cut": {
                appendAll(this.cutIds, this.o.cutTokens);
                feed = [...(this.last != null ? [this.last] : this.promptPending), ...this.o.cutTokens];
                this.promptPending = [];
                break;
            }
            case "wait": {
                // The close sampled last is dropped: never fed, removed from the thinking tokens.
                if (this.last != null && this.thinkingIds[this.thinkingIds.length - 1] === this.last) this.thinkingIds.pop();
                const wait = [...this.o.waitTokens];
                this.forced.push({at: this.thinkingIds.length, tokens: wait});
                feed = wait;
                break;
            }
        }
        this.last = undefined;
        const stream = new TokenTextStream<Token>((tokens, ctx) => model.detokenize(tokens, false, ctx));
        let n = 0;
        let end: StepResult["end"] = "length";
        if (req.maxTokens > 0) {
            // Each next() evaluates what is pending (the feed, then the last sampled token) and samples one token.
            const tokens = sequence.evaluate(feed, {...evaluateSampling(this.o.sampling), seed: req.seed, yieldEogToken: true})[Symbol.asyncIterator]();
            try {
                for (;;) {
                    await this.o.lockstep?.arrive();
                    const next = await tokens.next();
                    if (next.done === true) break;
                    const token = next.value;
                    n++;
                    ids.push(token);
                    this.last = token;
                    if (req.stopAtClose && token === this.o.closeToken) { end = "close"; break; }
                    if (model.isEogToken(token)) { end = "eog"; break; }
                    if (req.onProgress(stream.push(token), n)) { end = "stop-text"; break; }
                    if (signal.aborted) { end = "abort"; break; }
                    if (n >= req.maxTokens) break;
                }
            } finally {
                await tokens.return?.();
            }
        }
        req.onProgress(stream.flush(), n);
        return {end, tokens: n};
    }
}
