// Each family's prompt against golden strings rendered from the real chat templates (with @huggingface/jinja,
// the renderer node-llama-cpp uses), and the Llemma few-shot / answer extraction / stop texts.
import assert from "node:assert/strict";
import {test} from "node:test";
import {Template} from "@huggingface/jinja";
import {extractAnswer, extractFinalAnswer} from "../../src/core/answer";
import {detectPromptFormat, formatFromChatTemplate} from "../../src/core/modelTemplate";
import {
    buildPromptText, CHATML_FORMAT, LLEMMA_FEW_SHOT_FORMAT, R1_DISTILL_FORMAT, R1_MATH_INSTRUCTION
} from "../../src/core/promptFormat";
import {StopTextFilter} from "../../src/core/stopText";
import {R1_DISTILL_CHAT_TEMPLATE} from "../fixtures/scripted";

/** The ChatML template of TinyMathReason-style models (tokenizer_config.json), verbatim. */
const CHATML_TEMPLATE = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
const render = (template: string, content: string, bos = "") =>
    new Template(template).render({messages: [{role: "user", content}], add_generation_prompt: true, bos_token: bos, eos_token: ""});
const problem = "What is $\\frac{1}{2}+\\frac{1}{3}$?";

test("R1-distill: the format equals the real DeepSeek-R1-Distill template's rendering", () => {
    assert.equal(buildPromptText(R1_DISTILL_FORMAT, problem), render(R1_DISTILL_CHAT_TEMPLATE, problem + R1_MATH_INSTRUCTION, "<｜begin▁of▁sentence｜>"));
});

test("ChatML: the format equals the real ChatML template's rendering; no thinking, and it says why", () => {
    assert.equal(buildPromptText(CHATML_FORMAT, problem), render(CHATML_TEMPLATE, problem + R1_MATH_INSTRUCTION));
    assert.equal(CHATML_FORMAT.thinking, undefined);
    assert.match(CHATML_FORMAT.noThinkingReason!, /only the answer budget/);
});

test("a GGUF's own template: prefix/suffix from the rendering, thinking detected from it", () => {
    const r1 = formatFromChatTemplate({template: R1_DISTILL_CHAT_TEMPLATE, bosToken: "<｜begin▁of▁sentence｜>"});
    assert.equal(buildPromptText(r1, problem), buildPromptText(R1_DISTILL_FORMAT, problem));
    assert.deepEqual(r1.thinking, {openedByPrompt: true, close: "</think>", cut: "</think>"});
    const chatml = formatFromChatTemplate({template: CHATML_TEMPLATE});
    assert.equal(chatml.thinking, undefined);
    assert.equal(buildPromptText(chatml, problem), buildPromptText(CHATML_FORMAT, problem));
    const forced = formatFromChatTemplate({template: CHATML_TEMPLATE, thinking: "on"});
    assert.ok(buildPromptText(forced, "x").endsWith("<|im_start|>assistant\n<think>\n"));
    assert.ok(forced.thinking?.openedByPrompt);
    const qwen3ish = formatFromChatTemplate({template: CHATML_TEMPLATE + "{# may emit <think> #}"});
    assert.match(qwen3ish.noThinkingReason!, /elasticMath.model.thinking/);
    assert.throws(() => formatFromChatTemplate({template: "{% for %}"}), /cannot be rendered/);
    assert.throws(() => formatFromChatTemplate({template: "no messages here"}), /exactly once/);
});

test("detection: R1 template -> R1 format, ChatML -> ChatML, no template -> Minerva few-shot, other -> its own template", () => {
    assert.equal(detectPromptFormat({chatTemplate: R1_DISTILL_CHAT_TEMPLATE}).id, "deepseek-r1-distill");
    assert.equal(detectPromptFormat({chatTemplate: CHATML_TEMPLATE}).id, "chatml");
    assert.equal(detectPromptFormat({}).id, "llemma-few-shot");
    assert.equal(detectPromptFormat({chatTemplate: "[INST]{{ messages[0]['content'] }}[/INST]"}).id, "model-template");
});

test("Llemma: Minerva few-shot golden shape, stop texts, final-answer extraction", () => {
    const text = buildPromptText(LLEMMA_FEW_SHOT_FORMAT, "Compute $3\\cdot 4$.");
    assert.ok(text.startsWith("<s>Problem:\nFind the domain of the expression  $\\frac{\\sqrt{x-2}}{\\sqrt{5-x}}$.}\n\nSolution:\nThe expressions inside"));
    assert.ok(text.endsWith("Final Answer: The final answer is $-\\frac{2}{3}$. I hope it is correct.\n\nProblem:\nCompute $3\\cdot 4$.\n\nSolution:"));
    assert.equal(text.split("Final Answer: The final answer is").length - 1, 4);
    assert.equal(extractFinalAnswer("So it is 12.\nFinal Answer: The final answer is $12$. I hope it is correct."), "12");
    assert.equal(extractFinalAnswer("Final Answer: The final answer is $-\\frac{2}{3}$. I hope it is correct."), "-\\frac{2}{3}");
    assert.equal(extractFinalAnswer("no answer"), null);
    assert.equal(extractAnswer("$\\boxed{7}$. Final Answer: The final answer is $8$. I hope it is correct."), "7");
});

test("stop texts: never shown, even split across deltas", () => {
    const f = new StopTextFilter(["\n\nProblem:"]);
    let shown = "";
    for (const piece of ["The answer is 12.", "\n", "\nProb", "lem:\nWhat"]) shown += f.push(piece);
    assert.equal(shown, "The answer is 12.");
    assert.ok(f.stopped);
    const g = new StopTextFilter(["\n\nProblem:"]);
    let s2 = g.push("a\n\nPro") ;
    s2 += g.push("ve it") + g.flush();
    assert.equal(s2, "a\n\nProve it");
    assert.equal(g.stopped, false);
});
