import * as vscode from "vscode";
import {budgetChoices, budgetFromJson, parseTokenCount, presetToBudget} from "../core/budgets";
import type {BudgetSpec} from "../core/types";
import type {Settings} from "./settings";

const lastBudgetKey = "elasticMath.lastBudget";

export interface PickedBudget {
    readonly budget: BudgetSpec;
    readonly label: string;
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
    public async budgetForRequest(settings: Settings, options: {forceAsk?: boolean} = {}): Promise<PickedBudget | undefined> {
        if (!settings.askBudgetEveryTime && options.forceAsk !== true) {
            const preset = settings.presets.find((p) => p.label === settings.defaultBudgetLabel);
            if (preset != null) return {budget: presetToBudget(preset), label: preset.label};
            const fallback = settings.presets.find((p) => p.label === "Balanced") ?? settings.presets[0];
            void vscode.window.showWarningMessage(
                `Elastic Math: the default budget "${settings.defaultBudgetLabel}" is not one of the presets; using "${fallback.label}".`
            );
            return {budget: presetToBudget(fallback), label: fallback.label};
        }
        return this.pick(settings);
    }

    public async pick(settings: Settings): Promise<PickedBudget | undefined> {
        type Item = vscode.QuickPickItem & {budget?: BudgetSpec; custom?: true};
        const choices = budgetChoices(settings.presets, this.last);
        const items: Item[] = choices.map((c) => ({
            label: c.label,
            description: c.description,
            detail: c.last ? "last used" : undefined,
            budget: c.budget
        }));
        items.push({label: "", kind: vscode.QuickPickItemKind.Separator});
        items.push({label: "Custom...", description: "type the thinking and answer budgets", custom: true});
        const picked = await vscode.window.showQuickPick(items, {
            title: "Elastic Math: reasoning budget",
            placeHolder: "How many tokens may the model think, and how many may it answer with?",
            ignoreFocusOut: true
        });
        if (picked == null) return undefined;
        let result: PickedBudget | undefined;
        if (picked.custom === true) result = await this.askCustom();
        else if (picked.budget != null) result = {budget: picked.budget, label: picked.label};
        if (result != null) await this.remember(result);
        return result;
    }

    private async askCustom(): Promise<PickedBudget | undefined> {
        const last = this.last?.budget;
        const think = await askTokens("thinking", "Thinking budget (tokens): the thinking is cut when it runs out",
            last?.mode === "elastic" ? last.thinkTokens : 1024);
        if (think == null) return undefined;
        const answer = await askTokens("answer", "Answer budget (tokens): the solution stops when it runs out",
            last?.mode === "elastic" ? last.answerTokens : 1024);
        if (answer == null) return undefined;
        const budget: BudgetSpec = {mode: "elastic", thinkTokens: think, answerTokens: answer};
        return {budget, label: "Custom"};
    }
}

async function askTokens(what: string, prompt: string, initial: number): Promise<number | undefined> {
    const text = await vscode.window.showInputBox({
        title: `Elastic Math: custom ${what} budget`,
        prompt,
        value: String(initial),
        ignoreFocusOut: true,
        validateInput: (value) => {
            const parsed = parseTokenCount(value, what);
            return typeof parsed === "string" ? parsed : undefined;
        }
    });
    if (text == null) return undefined;
    const parsed = parseTokenCount(text, what);
    return typeof parsed === "number" ? parsed : undefined;
}
