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
     * prompts). Not used by the R1 format. The engine does not implement this yet: a format that sets it is refused
     * with the `unsupported-format` error code.
     */
    readonly stopTexts?: readonly string[];
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

/** Formats the engine knows by id. */
export const promptFormats: ReadonlyMap<string, PromptFormat> = new Map([[R1_DISTILL_FORMAT.id, R1_DISTILL_FORMAT]]);

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
