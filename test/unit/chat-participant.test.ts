/**
 * `@math` in VS Code's Chat view, the parts that are plain code: which budget a command asks for, how math is written
 * for a chat that typesets it and for one that does not, and the reply the engine's events become.
 */
import assert from "node:assert/strict";
import {test} from "node:test";
import {defaultBudgetPresets} from "../../src/core/budgets";
import {parseBudgetArgument, parseChatRequest} from "../../src/core/chat/chatCommand";
import {chatTypesetsMath, codeSpan, mathForChat} from "../../src/core/chat/chatMath";
import {ChatReply} from "../../src/core/chat/chatReply";
import type {SolveResult} from "../../src/core/types";

const ctx = {presets: defaultBudgetPresets, defaultLabel: "Balanced"};

test("budget commands map to the presets; no command uses the default budget", () => {
    assert.deepEqual(parseChatRequest("quick", "What is 2+2?", ctx),
        {kind: "solve", question: "What is 2+2?", budget: {mode: "elastic", thinkTokens: 512, answerTokens: 512}, budgetLabel: "Quick"});
    assert.deepEqual(parseChatRequest("deep", "x", ctx).kind === "solve" && (parseChatRequest("deep", "x", ctx) as {budget: unknown}).budget,
        {mode: "elastic", thinkTokens: 2048, answerTokens: 1024});
    assert.deepEqual((parseChatRequest("unconstrained", "x", ctx) as {budget: unknown}).budget, {mode: "unconstrained"});
    const plain = parseChatRequest(undefined, "  What is 3*3?  ", {presets: defaultBudgetPresets, defaultLabel: "Extended"});
    assert.deepEqual(plain, {kind: "solve", question: "What is 3*3?", budget: {mode: "elastic", thinkTokens: 4096, answerTokens: 1024}, budgetLabel: "Extended"});
});

test("/budget takes exact numbers first, and says how when they are wrong", () => {
    assert.deepEqual(parseBudgetArgument("2048+1024 Find x."), {budget: {mode: "elastic", thinkTokens: 2048, answerTokens: 1024}, label: "Custom", rest: "Find x."});
    assert.deepEqual((parseBudgetArgument("2k+1k Find x.") as {budget: unknown}).budget, {mode: "elastic", thinkTokens: 2048, answerTokens: 1024});
    assert.deepEqual((parseBudgetArgument("unconstrained Find x.") as {budget: unknown}).budget, {mode: "unconstrained"});
    for (const bad of ["", "2048 Find x", "0+10 x", "a+b x", "10+20+30 x"]) {
        const r = parseChatRequest("budget", bad, ctx);
        assert.equal(r.kind, "error", bad);
        assert.match((r as {message: string}).message, /\/budget 2048\+1024/, bad);
    }
    assert.equal(parseChatRequest("budget", "64+32", ctx).kind, "error", "a budget with no question is an error");
});

test("an empty question, /check without an answer, /hint and /check are recognised", () => {
    assert.equal(parseChatRequest(undefined, "   ", ctx).kind, "error");
    assert.equal(parseChatRequest("check", "", ctx).kind, "error");
    assert.deepEqual(parseChatRequest("check", " 4 ", ctx), {kind: "check", answer: "4"});
    assert.deepEqual(parseChatRequest("hint", "Solve x^2=9", ctx), {kind: "hint", question: "Solve x^2=9"});
});

test("math for a chat that typesets: $ forms, nothing lost", () => {
    const md = "Since \\(x^2 = 9\\), we get \\[x = \\pm 3\\] and $\\frac{1}{2}\\,y$.";
    assert.equal(mathForChat(md, true), "Since $x^2 = 9$, we get \n$$\nx = \\pm 3\n$$\n and $\\frac{1}{2}\\,y$.");
});

test("math for a chat that does not typeset: the exact LaTeX in code, so Markdown eats no backslash", () => {
    const md = "Thus $a_1 * b_2 = \\frac{1}{2}\\,c$ and\n$$\\sum_{k=1}^n k$$";
    const out = mathForChat(md, false);
    assert.equal(out, "Thus `$a_1 * b_2 = \\frac{1}{2}\\,c$` and\n\n```latex\n\\sum_{k=1}^n k\n```\n");
    assert.equal(codeSpan("a`b"), "``a`b``");
    assert.equal(codeSpan("`x"), "`` `x ``");
});

test("which VS Code versions typeset math in chat", () => {
    assert.equal(chatTypesetsMath("1.100.3", undefined), false);
    assert.equal(chatTypesetsMath("1.102.0", true), false);
    assert.equal(chatTypesetsMath("1.103.0", undefined), true);
    assert.equal(chatTypesetsMath("1.139.1", false), false);
    assert.equal(chatTypesetsMath("1.139.1", true), true);
});

function result(over: Partial<SolveResult>): SolveResult {
    return {
        thinkingTokens: 0, solutionTokens: 0, thinkingCut: false, stop: "eog", thinking: "", solution: "", answer: null,
        model: "m", device: "cpu", promptTokens: 10, budget: {mode: "elastic", thinkTokens: 8, answerTokens: 16},
        timings: {loadMs: 0, promptMs: 0, timeToFirstTokenMs: 0, thinkingMs: 0, solutionMs: 0, totalMs: 0, tokensPerSecond: 0}, ...over
    };
}

test("a reply: thinking as progress apart from the answer, the cut marked, paragraphs streamed, answer and budget footer", () => {
    const out: string[] = [];
    const progress: string[] = [];
    let t = 0;
    const budget = {mode: "elastic", thinkTokens: 8, answerTokens: 16} as const;
    const reply = new ChatReply({sink: {progress: (p) => progress.push(p), markdown: (m) => out.push(m)}, typesetMath: false, budget,
        budgetTitle: "Custom (think 8 / answer 16)", now: () => (t += 300)});
    reply.onEvent({type: "started", model: "m", device: "cpu", promptTokens: 10, budget});
    reply.onEvent({type: "delta", phase: "thinking", text: "Let me add", thinkingTokens: 4, solutionTokens: 0});
    reply.onEvent({type: "delta", phase: "thinking", text: " two and two", thinkingTokens: 8, solutionTokens: 0});
    reply.onEvent({type: "cut", thinkingTokens: 8});
    reply.onEvent({type: "phase", phase: "solution"});
    reply.onEvent({type: "delta", phase: "solution", text: "We have $2+2", thinkingTokens: 8, solutionTokens: 3});
    assert.equal(out.length, 0, "a half paragraph is held back");
    reply.onEvent({type: "delta", phase: "solution", text: "=4$.\n\nSo", thinkingTokens: 8, solutionTokens: 6});
    assert.match(out[0], /^> ✂ \*Thinking was cut at the budget: 8 tokens/, "the cut is marked with the answer's first text");
    assert.match(out[0], /We have `\$2\+2=4\$`\.\n\n$/);
    reply.finish(result({thinkingTokens: 8, solutionTokens: 9, thinkingCut: true, solution: "We have $2+2=4$.\n\nSo \\boxed{4}", answer: "4"}), false);
    const all = out.join("");
    assert.ok(progress.some((p) => p.startsWith("Thinking 4 / 8 tokens: Let me add")), progress.join("|"));
    assert.ok(progress.some((p) => p.includes("two and two")));
    assert.ok(!all.includes("Let me add"), "the thinking is not in the answer's text");
    assert.match(out[0], /cut at the budget: 8 tokens/);
    assert.match(all, /\*\*Final answer:\*\* `\$\\boxed\{4\}\$`/);
    assert.match(all, /Budget Custom \(think 8 \/ answer 16\): thinking 8 \/ 8, answer 9 \/ 16 tokens \(thinking cut\)/);
});

test("a stopped reply keeps what was produced and says so, without a final answer", () => {
    const out: string[] = [];
    const budget = {mode: "unconstrained"} as const;
    const reply = new ChatReply({sink: {progress: () => undefined, markdown: (m) => out.push(m)}, typesetMath: true, budget, budgetTitle: "Unconstrained"});
    reply.onEvent({type: "phase", phase: "solution"});
    reply.onEvent({type: "delta", phase: "solution", text: "Half an answer $x", thinkingTokens: 0, solutionTokens: 5});
    reply.finish(result({solutionTokens: 5, stop: "abort", solution: "Half an answer $x", answer: null, budget}), true);
    const all = out.join("");
    assert.match(all, /^Half an answer \$x/);
    assert.match(all, /Stopped: the text above is what was produced/);
    assert.doesNotMatch(all, /Final answer/);
    assert.match(all, /5 tokens in one phase/);
});
