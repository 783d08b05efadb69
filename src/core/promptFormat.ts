/**
 * How a model is prompted and how its thinking is cut, as data.
 *
 * A prompt format says (1) how the prompt is built from the problem, (2) whether the model thinks, whether the
 * prompt already opens the thinking segment, which token closes it and what is appended when the thinking budget
 * runs out (the cut), and (3) what ends generation. The engine reads only this description: adding a model family
 * means adding a format (usually in the model catalog), not changing the engine.
 *
 * Shapes, and how later formats fit:
 * - `prompt.type: "text"` (implemented): fixed text around the problem. Used for DeepSeek-R1-Distill / E1 below, and
 *   fits ChatML without thinking (`<|im_start|>user\n` ... `<|im_end|>\n<|im_start|>assistant\n`, no `thinking`) and
 *   Llemma's few-shot prompt (the examples live in `prefix`, `stopTexts: ["\n\nProblem:"]`).
 * - A GGUF's own Jinja template would be a new `prompt.type` (e.g. `"modelTemplate"` with the user-message text):
 *   add it to {@link PromptSpec} and to `buildPromptParts`; the `never` check there makes the compiler point at every
 *   place that must handle it.
 */

/** Text around the problem. Structural parts are tokenized with special tokens; the user text never is. */
export interface TextPromptSpec {
    readonly type: "text";
    /** Before the user text, parsed for special tokens (e.g. BOS and the user-turn marker). */
    readonly prefix: string;
    /** The user message; `{problem}` is replaced by the problem. Tokenized as plain text (no special tokens). */
    readonly user: string;
    /** After the user text, parsed for special tokens (assistant marker, the opened thinking segment). */
    readonly suffix: string;
}

export type PromptSpec = TextPromptSpec;

/** The thinking segment of a reasoning model. */
export interface ThinkingSpec {
    /** True when the prompt itself opens the thinking segment (R1-distill: the prompt ends in `<think>\n`). */
    readonly openedByPrompt: boolean;
    /** What the model emits to close its thinking; must be a single token of the model's vocabulary. */
    readonly close: string;
    /**
     * Appended, exactly, when the thinking budget runs out; the solution phase continues after it.
     * Elastic Reasoning (E1) uses the close token alone; Qwen3's recipe would put a sentence before it.
     */
    readonly cut: string;
    /** Fed instead of a suppressed close when thinking longer (s1's budget forcing). Default "Wait". */
    readonly wait?: string;
}

export interface PromptFormat {
    /** Stable id used by the model catalog and settings. */
    readonly id: string;
    /** Human-readable name. */
    readonly label: string;
    readonly prompt: PromptSpec;
    /** Absent for models that do not think: the whole output is the solution. */
    readonly thinking?: ThinkingSpec;
    /**
     * Texts that end generation besides the model's own end-of-generation tokens (for base models with few-shot
     * prompts, e.g. Llemma's "\n\nProblem:"). The stop text itself is never part of the solution.
     */
    readonly stopTexts?: readonly string[];
    /** Why the format has no thinking phase (shown by the budget pick when it offers only an answer budget). */
    readonly noThinkingReason?: string;
}

/** The instruction E1 and DeepScaleR were trained and evaluated with, appended to the problem. */
export const R1_MATH_INSTRUCTION = " Let's think step by step and output the final answer within \\boxed{}.";

/**
 * DeepSeek-R1-Distill (E1-Math, DeepScaleR, Skywork-OR1): the chat template with one user message and the
 * generation prompt, thinking opened by the template, cut = the single `</think>` token (Elastic Reasoning).
 */
export const R1_DISTILL_FORMAT: PromptFormat = {
    id: "deepseek-r1-distill",
    label: "DeepSeek-R1-Distill (thinking in <think>...</think>)",
    prompt: {
        type: "text",
        prefix: "<｜begin▁of▁sentence｜><｜User｜>",
        user: "{problem}" + R1_MATH_INSTRUCTION,
        suffix: "<｜Assistant｜><think>\n"
    },
    thinking: {openedByPrompt: true, close: "</think>", cut: "</think>"}
};

/**
 * ChatML (TinyMathReason-1B-sft): `<|im_start|>user ... <|im_end|>` then the assistant turn. No thinking phase:
 * only an answer budget applies. The template (tokenizer_config.json of ChatML models) adds no BOS and no system turn.
 */
export const CHATML_FORMAT: PromptFormat = {
    id: "chatml",
    label: "ChatML (no thinking phase)",
    prompt: {
        type: "text",
        prefix: "<|im_start|>user\n",
        user: "{problem}" + R1_MATH_INSTRUCTION,
        suffix: "<|im_end|>\n<|im_start|>assistant\n"
    },
    noThinkingReason: "this model answers directly (ChatML, no thinking phase): only the answer budget applies"
};

/**
 * Minerva's four worked examples (Lewkowycz et al. 2022, as used by lm-evaluation-harness' minerva_math and by
 * Llemma's evaluation), each ending in "Final Answer: The final answer is $X$. I hope it is correct."
 */
export const MINERVA_FEW_SHOT: readonly {readonly problem: string; readonly solution: string}[] = [
    {
        problem: "Find the domain of the expression  $\\frac{\\sqrt{x-2}}{\\sqrt{5-x}}$.}",
        solution: "The expressions inside each square root must be non-negative. Therefore, $x-2 \\ge 0$, so $x\\ge2$, and $5 - x \\ge 0$, so $x \\le 5$. Also, the denominator cannot be equal to zero, so $5-x>0$, which gives $x<5$. Therefore, the domain of the expression is $\\boxed{[2,5)}$.\nFinal Answer: The final answer is $[2,5)$. I hope it is correct."
    },
    {
        problem: "If $\\det \\mathbf{A} = 2$ and $\\det \\mathbf{B} = 12,$ then find $\\det (\\mathbf{A} \\mathbf{B}).$",
        solution: "We have that $\\det (\\mathbf{A} \\mathbf{B}) = (\\det \\mathbf{A})(\\det \\mathbf{B}) = (2)(12) = \\boxed{24}.$\nFinal Answer: The final answer is $24$. I hope it is correct."
    },
    {
        problem: "Terrell usually lifts two 20-pound weights 12 times. If he uses two 15-pound weights instead, how many times must Terrell lift them in order to lift the same total weight?",
        solution: "If Terrell lifts two 20-pound weights 12 times, he lifts a total of $2\\cdot 12\\cdot20=480$ pounds of weight.  If he lifts two 15-pound weights instead for $n$ times, he will lift a total of $2\\cdot15\\cdot n=30n$ pounds of weight.  Equating this to 480 pounds, we can solve for $n$:\n\\begin{align*}\n30n&=480\\\\\n\\Rightarrow\\qquad n&=480/30=\\boxed{16}\n\\end{align*}\nFinal Answer: The final answer is $16$. I hope it is correct."
    },
    {
        problem: "If the system of equations\n\n\\begin{align*}\n6x-4y&=a,\\\\\n6y-9x &=b.\n\\end{align*}has a solution $(x, y)$ where $x$ and $y$ are both nonzero,\nfind $\\frac{a}{b},$ assuming $b$ is nonzero.",
        solution: "If we multiply the first equation by $-\\frac{3}{2}$, we obtain\n\n$$6y-9x=-\\frac{3}{2}a.$$Since we also know that $6y-9x=b$, we have\n\n$$-\\frac{3}{2}a=b\\Rightarrow\\frac{a}{b}=\\boxed{-\\frac{2}{3}}.$$\nFinal Answer: The final answer is $-\\frac{2}{3}$. I hope it is correct."
    }
];

/**
 * Llemma 7B: a base model with no chat template. Minerva-style few-shot prompt ("Problem:\n...\n\nSolution:"),
 * generation stops at the next "Problem:" (the model starting a fifth example); the answer is read from
 * "The final answer is ..." (see `extractFinalAnswer`).
 */
export const LLEMMA_FEW_SHOT_FORMAT: PromptFormat = {
    id: "llemma-few-shot",
    label: "Minerva few-shot (base model, no thinking phase)",
    prompt: {
        type: "text",
        prefix: "<s>" + MINERVA_FEW_SHOT.map((e) => `Problem:\n${e.problem}\n\nSolution:\n${e.solution}\n\n`).join(""),
        user: "Problem:\n{problem}\n\nSolution:",
        suffix: ""
    },
    stopTexts: ["\n\nProblem:", "Problem:\n", "I hope it is correct."],
    noThinkingReason: "Llemma is a base model prompted with worked examples (no thinking phase): only the answer budget applies"
};

/** Formats the engine knows by id (`model-template` is resolved from the GGUF by `resolveModelTemplateFormat`). */
export const promptFormats: ReadonlyMap<string, PromptFormat> = new Map([
    [R1_DISTILL_FORMAT.id, R1_DISTILL_FORMAT],
    [CHATML_FORMAT.id, CHATML_FORMAT],
    [LLEMMA_FEW_SHOT_FORMAT.id, LLEMMA_FEW_SHOT_FORMAT]
]);

/** One piece of a prompt, with whether special-token texts in it become special tokens. */
export interface PromptPart {
    readonly text: string;
    readonly specialTokens: boolean;
}

/** The prompt as parts to tokenize in order (structural text with special tokens, user text without). */
export function buildPromptParts(format: PromptFormat, problem: string): PromptPart[] {
    const p = format.prompt;
    switch (p.type) {
        case "text":
            return [
                {text: p.prefix, specialTokens: true},
                {text: p.user.split("{problem}").join(problem), specialTokens: false},
                {text: p.suffix, specialTokens: true}
            ].filter((part) => part.text !== "");
        default: {
            const unknown: never = p.type;
            throw new Error(`unknown prompt type ${String(unknown)}`);
        }
    }
}

/** The whole prompt as one string (for display, logs and golden tests). */
export function buildPromptText(format: PromptFormat, problem: string): string {
    return buildPromptParts(format, problem).map((p) => p.text).join("");
}
