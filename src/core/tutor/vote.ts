/**
 * Majority vote (Llemma's maj@k): k sampled solutions, their final answers grouped by EQUIVALENCE (the grader: "0.5"
 * and "\frac12" are one answer), the distribution, and the agreed answer with its share. With `solveMany` (the
 * engine's) the k samples are one request that runs them in parallel on k sequences of one context when memory
 * allows, else one after another (`onPlan` says which and why); with only `solve` they run one after another.
 * Progress is reported as each sample ends. A sample without an answer counts as "no answer" in the distribution.
 */
import type {SolveManyOptions, SolveManyResult} from "../engine";
import type {ParallelPlan} from "../engine/parallel";
import {gradeAnswer} from "../grading/equivalence";
import type {BudgetSpec, SamplingOptions, SolveResult} from "../types";

export interface VoteBucket {
    /** The first spelling seen of this answer (null: no answer). */
    readonly answer: string | null;
    readonly count: number;
    /** count / k. */
    readonly share: number;
}

export interface VoteResult {
    readonly k: number;
    /** Largest first; ties keep first-seen order. */
    readonly buckets: readonly VoteBucket[];
    /** The answer of the largest bucket with an answer (null when no sample had one). */
    readonly agreed: string | null;
    readonly share: number;
    /** Each sample's answer, in order. */
    readonly answers: readonly (string | null)[];
    readonly seeds: readonly number[];
    readonly stopped: boolean;
}

export interface VoteOptions {
    readonly problem: string;
    readonly budget: BudgetSpec;
    readonly k: number;
    /** Seeds are seedBase, seedBase+1, ...: a vote is repeatable. Default: random. */
    readonly seedBase?: number;
    readonly solve: (o: {problem: string; budget: BudgetSpec; sampling: SamplingOptions; signal?: AbortSignal}) => Promise<SolveResult>;
    readonly signal?: AbortSignal;
    /** All k samples as one request (ElasticEngine.solveMany); preferred over `solve` when given. */
    readonly solveMany?: (o: Pick<SolveManyOptions, "problem" | "budget" | "samplings" | "signal" | "onPlan" | "onSample">) => Promise<SolveManyResult>;
    /** With `solveMany`: parallel or one after another, and why (before the first sample). */
    readonly onPlan?: (plan: ParallelPlan) => void;
    readonly onProgress?: (p: {done: number; k: number; answers: readonly (string | null)[]; buckets: readonly VoteBucket[]}) => void;
}

/** Groups answers by equivalence. */
export function tally(answers: readonly (string | null)[]): VoteBucket[] {
    const groups: {answer: string | null; count: number; first: number}[] = [];
    answers.forEach((a, i) => {
        const g = groups.find((g) => (a == null ? g.answer == null : g.answer != null && (g.answer === a || gradeAnswer(g.answer, a) === true)));
        if (g) g.count++; else groups.push({answer: a, count: 1, first: i});
    });
    const k = answers.length;
    return groups.sort((x, y) => y.count - x.count || x.first - y.first).map((g) => ({answer: g.answer, count: g.count, share: k === 0 ? 0 : g.count / k}));
}

export async function majorityVote(o: VoteOptions): Promise<VoteResult> {
    if (!Number.isInteger(o.k) || o.k < 1 || o.k > 256) throw new Error(`k must be a whole number from 1 to 256, got ${String(o.k)}`);
    const base = o.seedBase ?? Math.floor(Math.random() * 0x3fffffff);
    const answers: (string | null)[] = [];
    const seeds: number[] = [];
    let stopped = false;
    if (o.solveMany != null) {
        const samplings = Array.from({length: o.k}, (_, i) => ({seed: (base + i) >>> 0}));
        const finished: (string | null)[] = [];
        const r = await o.solveMany({problem: o.problem, budget: o.budget, samplings, signal: o.signal, onPlan: o.onPlan,
            onSample: (_i, res) => {
                if (res.stop === "abort") return;
                finished.push(res.answer);
                o.onProgress?.({done: finished.length, k: o.k, answers: finished, buckets: tally(finished)});
            }});
        r.results.forEach((res, i) => { if (res != null) { answers.push(res.answer); seeds.push(samplings[i]!.seed); } });
        stopped = r.stopped || answers.length < o.k;
    } else for (let i = 0; i < o.k; i++) {
        if (o.signal?.aborted) { stopped = true; break; }
        const seed = (base + i) >>> 0;
        const r = await o.solve({problem: o.problem, budget: o.budget, sampling: {seed}, signal: o.signal});
        if (r.stop === "abort") { stopped = true; break; }
        answers.push(r.answer);
        seeds.push(seed);
        o.onProgress?.({done: answers.length, k: o.k, answers, buckets: tally(answers)});
    }
    const buckets = tally(answers);
    const top = buckets.find((b) => b.answer != null);
    return {k: o.k, buckets, agreed: top?.answer ?? null, share: top?.share ?? 0, answers, seeds, stopped};
}
