import * as vscode from "vscode";
import {budgetChoices, budgetFromJson, maxPhaseTokens, parseTokenCount, presetToBudget} from "../core/budgets";
import type {BudgetSpec} from "../core/types";
import {budgetChoiceText, budgetName, tokenCountProblem} from "./l10n";
import type {Settings} from "./settings";

const lastBudgetKey = "elasticMath.lastBudget";

export interface PickedBudget {
    readonly budget: BudgetSpec;
    readonly label: string;
    /** Picked for a model without a thinking phase: only the answer budget applies. */
    readonly answerOnly?: boolean;
}

/** Remembers the last budget (global state) and asks the user for one with a quick pick. */
export class BudgetPicker {
    public constructor(private readonly state: vscode.Memento) {}

    public get last(): PickedBudget | null {
        const raw = this.state.get<{label?: unknown; budget?: unknown}>(lastBudgetKey);
        const budget = budgetFromJson(raw?.budget);
        if (budget == null || typeof raw?.label !== "string") return null;
        return {budget, label: raw.label};
    }

    private async remember(picked: PickedBudget): Promise<void> {
        await this.state.update(lastBudgetKey, picked);
    }

    /**
     * The budget for a request: asks with a quick pick unless the settings say to use the default.
     * Returns undefined when the user dismissed the pick.
     */
    public async budgetForRequest(settings: Settings, options: {forceAsk?: boolean; answerOnly?: string} = {}): Promise<PickedBudget | undefined> {
        if (!settings.askBudgetEveryTime && options.forceAsk !== true) {
            const answerOnly = options.answerOnly != null ? {answerOnly: true} : {};
            const preset = settings.presets.find((p) => p.label === settings.defaultBudgetLabel);
            if (preset != null) return {budget: presetToBudget(preset), label: preset.label, ...answerOnly};
            const fallback = settings.presets.find((p) => p.label === "Balanced") ?? settings.presets[0];
            void vscode.window.showWarningMessage(
                vscode.l10n.t("Elastic Math: the default budget \"{0}\" is not one of the presets; using \"{1}\".", settings.defaultBudgetLabel, budgetName(fallback.label))
            );
            return {budget: presetToBudget(fallback), label: fallback.label, ...answerOnly};
        }
        return this.pick(settings, options.answerOnly);
    }

    /**
     * The budget quick pick. With `answerOnly` (the reason the model has no thinking phase), only answer budgets are
     * offered and the pick says why; the thinking budget of such a budget is never used. The highlighted row (what
     * Enter takes) is the last budget used, else the default budget (`elasticMath.budget.default`, Balanced).
     */
    public async pick(settings: Settings, answerOnly?: string): Promise<PickedBudget | undefined> {
        // `preset` is the preset's own label (settings and the last budget keep it); `label` is what the user reads.
        type Item = vscode.QuickPickItem & {budget?: BudgetSpec; custom?: true; preset?: string};
        const choices = budgetChoices(settings.presets, this.last);
        const items: Item[] = choices.map((c) => ({
            label: budgetName(c.label),
            description: answerOnly != null && c.budget.mode === "elastic" ? vscode.l10n.t("answer {0}", c.budget.answerTokens) : budgetChoiceText(c.description, c.budget),
            detail: c.last ? vscode.l10n.t("last used") : undefined,
            budget: c.budget,
            preset: c.label
        }));
        items.push({label: "", kind: vscode.QuickPickItemKind.Separator});
        items.push({label: vscode.l10n.t("Custom..."), description: answerOnly != null ? vscode.l10n.t("type the answer budget") : vscode.l10n.t("type the thinking and answer budgets"), custom: true});
        const active = items.find((i) => choices.find((c) => c.label === i.preset)?.last === true)
            ?? items.find((i) => i.budget != null && i.preset === settings.defaultBudgetLabel);
        const picked = await showPick(items, active, {
            title: answerOnly != null ? vscode.l10n.t("Elastic Math: answer budget (this model does not think first)") : vscode.l10n.t("Elastic Math: reasoning budget"),
            placeholder: answerOnly != null ? vscode.l10n.t("Only an answer budget: {0}", answerOnly)
                : vscode.l10n.t("How many tokens may the model think, and how many may it answer with?")
        });
        if (picked == null) return undefined;
        let result: PickedBudget | undefined;
        if (picked.custom === true) result = await this.askCustom(answerOnly != null);
        else if (picked.budget != null) result = {budget: picked.budget, label: picked.preset ?? picked.label};
        if (result != null) await this.remember(result);
        return result != null && answerOnly != null ? {...result, answerOnly: true} : result;
    }

    /** Custom...: the thinking and answer budgets typed in two input boxes (only the answer one for a model without thinking). */
    public async askCustom(answerOnly = false): Promise<PickedBudget | undefined> {
        const last = this.last?.budget;
        if (answerOnly) {
            const answer = await askTokens("answer", vscode.l10n.t("Answer budget (tokens): the answer stops when it runs out"),
                last?.mode === "elastic" ? last.answerTokens : 1024);
            if (answer == null) return undefined;
            // l10n-exempt: "Custom" names the budget (its identity); budgetName() shows it translated
            return {budget: {mode: "elastic", thinkTokens: last?.mode === "elastic" ? last.thinkTokens : 1024, answerTokens: answer}, label: "Custom"};
        }
        const think = await askTokens("thinking", vscode.l10n.t("Thinking budget (tokens): the thinking is cut when it runs out"),
            last?.mode === "elastic" ? last.thinkTokens : 1024);
        if (think == null) return undefined;
        const answer = await askTokens("answer", vscode.l10n.t("Answer budget (tokens): the solution stops when it runs out"),
            last?.mode === "elastic" ? last.answerTokens : 1024);
        if (answer == null) return undefined;
        const budget: BudgetSpec = {mode: "elastic", thinkTokens: think, answerTokens: answer};
        // l10n-exempt: "Custom" names the budget (its identity); budgetName() shows it translated
        return {budget, label: "Custom"};
    }
}

/** A quick pick like showQuickPick whose highlighted row is `active` (showQuickPick always highlights the first). */
function showPick<T extends vscode.QuickPickItem>(items: T[], active: T | undefined, options: {title: string; placeholder: string}): Promise<T | undefined> {
    const qp = vscode.window.createQuickPick<T>();
    qp.title = options.title;
    qp.placeholder = options.placeholder;
    qp.ignoreFocusOut = true;
    qp.items = items;
    if (active != null) qp.activeItems = [active];
    return new Promise<T | undefined>((resolve) => {
        qp.onDidAccept(() => { resolve(qp.selectedItems[0] ?? qp.activeItems[0]); qp.hide(); });
        qp.onDidHide(() => { resolve(undefined); qp.dispose(); });
        qp.show();
    });
}

async function askTokens(what: string, prompt: string, initial: number): Promise<number | undefined> {
    const text = await vscode.window.showInputBox({
        title: what === "thinking" ? vscode.l10n.t("Elastic Math: custom thinking budget") : vscode.l10n.t("Elastic Math: custom answer budget"),
        prompt,
        value: String(initial),
        ignoreFocusOut: true,
        validateInput: (value) => {
            const parsed = parseTokenCount(value, what);
            return typeof parsed === "string" ? tokenCountProblem(parsed, what, maxPhaseTokens) : undefined;
        }
    });
    if (text == null) return undefined;
    const parsed = parseTokenCount(text, what);
    return typeof parsed === "number" ? parsed : undefined;
}
