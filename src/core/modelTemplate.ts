/**
 * Prompt formats read from a GGUF file: its own Jinja chat template (rendered with @huggingface/jinja, the renderer
 * node-llama-cpp itself uses), whether the template opens a thinking segment, and a family guess for files that are
 * not in the catalog.
 *
 * The template is rendered once with a sentinel as the user message; the text before and after it become the
 * format's prefix and suffix (parsed for special tokens), the problem goes in between as plain text. So any
 * template works without the engine knowing Jinja, and the user's text is never parsed for special tokens.
 */
import {Template} from "@huggingface/jinja";
import {checkModelFile} from "./gguf";
import {
    CHATML_FORMAT, LLEMMA_FEW_SHOT_FORMAT, R1_DISTILL_FORMAT, R1_MATH_INSTRUCTION, type PromptFormat
} from "./promptFormat";

/** "auto": detect from the template; "on": open `<think>` after the template's generation prompt; "off": no thinking. */
export type ThinkingMode = "auto" | "on" | "off";

const SENTINEL = "\u0000EMT_PROBLEM\u0000";

export interface ModelTemplateOptions {
    readonly template: string;
    readonly bosToken?: string;
    readonly eosToken?: string;
    readonly thinking?: ThinkingMode;
    /** For labels. */
    readonly modelName?: string;
}

/** A format from a model's own chat template. Throws an Error with a clear message when it cannot be rendered. */
export function formatFromChatTemplate(options: ModelTemplateOptions): PromptFormat {
    let rendered: string;
    try {
        rendered = new Template(options.template).render({
            messages: [{role: "user", content: SENTINEL}],
            add_generation_prompt: true,
            bos_token: options.bosToken ?? "",
            eos_token: options.eosToken ?? ""
        });
    } catch (err) {
        throw new Error(`The model's chat template cannot be rendered: ${err instanceof Error ? err.message : String(err)}`);
    }
    const at = rendered.indexOf(SENTINEL);
    if (at < 0 || rendered.indexOf(SENTINEL, at + 1) >= 0)
        throw new Error("The model's chat template does not place the user message exactly once.");
    const prefix = rendered.slice(0, at);
    let suffix = rendered.slice(at + SENTINEL.length);
    const mode = options.thinking ?? "auto";
    const opens = /<think>\s*$/.test(suffix);
    const mentions = /<\/?think>/.test(options.template);
    let thinking: PromptFormat["thinking"];
    let noThinkingReason: string | undefined;
    if (mode === "off") {
        noThinkingReason = "thinking is turned off for this model (elasticMath.model.thinking)";
    } else if (opens) {
        thinking = {openedByPrompt: true, close: "</think>", cut: "</think>"};
    } else if (mode === "on") {
        suffix += "<think>\n";
        thinking = {openedByPrompt: true, close: "</think>", cut: "</think>"};
    } else {
        noThinkingReason = mentions
            ? "the model's template lets the model open <think> itself; set elasticMath.model.thinking to \"on\" to budget its thinking"
            : "the model's chat template has no thinking segment: only the answer budget applies";
    }
    return {
        id: "model-template",
        label: `${options.modelName ?? "the model"}'s own chat template${thinking != null ? " (thinking in <think>...</think>)" : ""}`,
        prompt: {type: "text", prefix, user: "{problem}" + R1_MATH_INSTRUCTION, suffix},
        thinking,
        noThinkingReason
    };
}

/** What a GGUF's metadata says about prompting (see {@link readGgufPromptInfo}). */
export interface GgufPromptInfo {
    readonly chatTemplate?: string;
    readonly bosToken?: string;
    readonly eosToken?: string;
    readonly name?: string;
    readonly architecture?: string;
}

/** Picks the format for a GGUF that is not in the catalog: R1-distill by its template, else its own template, else few-shot. */
export function detectPromptFormat(info: GgufPromptInfo, thinking: ThinkingMode = "auto"): PromptFormat {
    const t = info.chatTemplate;
    if (t == null || t.trim() === "") {
        // A base model (no chat template): the worked-examples prompt.
        return LLEMMA_FEW_SHOT_FORMAT;
    }
    if (thinking !== "off" && t.includes("<｜Assistant｜>") && t.includes("<think>")) return R1_DISTILL_FORMAT;
    if (thinking === "auto" && /<\|im_start\|>/.test(t) && !/<\/?think>/.test(t)
        && t.replace(/\s+/g, "").includes("{{'<|im_start|>'+message['role']+'\\n'+message['content']+'<|im_end|>'+'\\n'}}"))
        return CHATML_FORMAT;
    return formatFromChatTemplate({template: t, bosToken: info.bosToken, eosToken: info.eosToken, thinking, modelName: info.name});
}

/**
 * Reads the prompt-related metadata of a GGUF file (header only; no weights are loaded), through the bounded,
 * checked header reader (src/core/gguf): a file llama.cpp would abort on is refused here too, with its reason.
 */
export async function readGgufPromptInfo(path: string): Promise<GgufPromptInfo> {
    const {header} = await checkModelFile(path);
    const text = (key: string) => { const v = header.kvs.get(key)?.value; return typeof v === "string" ? v : undefined; };
    const id = (key: string) => { const v = header.kvs.get(key)?.value; return typeof v === "number" || typeof v === "bigint" ? Number(v) : undefined; };
    const tokens = header.kvs.get("tokenizer.ggml.tokens")?.value;
    const tokenText = (i: number | undefined) => {
        const t = i != null && typeof tokens === "object" && "values" in tokens ? tokens.values[i] : undefined;
        return typeof t === "string" ? t : undefined;
    };
    return {
        chatTemplate: text("tokenizer.chat_template"),
        bosToken: tokenText(id("tokenizer.ggml.bos_token_id")),
        eosToken: tokenText(id("tokenizer.ggml.eos_token_id")),
        name: text("general.name"),
        architecture: text("general.architecture")
    };
}
