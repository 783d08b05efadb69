// Our model as a VS Code language model (issue 14): where the running VS Code has the Language Model Chat Provider API
// (1.104+: today's VS Code, 1.139), any extension reaches it with vscode.lm.selectChatModels({vendor: "elastic-math"})
// and its answers keep the budgets of the request's model options exactly, to the token (the scripted think-forever
// fixture: its thinking never ends, so it is cut at exactly thinkTokens; its answer is cut at answerTokens). On our
// minimum, 1.100, the API is not there: the extension registers nothing and nothing fails.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as vscode from "vscode";
import {THINK_FOREVER, THINK_STOPS} from "../fixtures/scripted";
import {activateWith, setSetting} from "./settings";

const hasProviderApi = typeof (vscode.lm as unknown as {registerLanguageModelChatProvider?: unknown}).registerLanguageModelChatProvider === "function";

suite("Our model as a VS Code language model", function () {
    this.timeout(180000);
    let models: string;

    suiteSetup(async () => {
        ({models} = await activateWith({"engine.threads": 1, "engine.contextSize": 4096}));
    });
    suiteTeardown(async () => {
        for (const key of ["model.path", "engine.threads", "engine.contextSize"]) await setSetting(key, undefined);
    });

    /** Our model once the chat lists it (the list follows the settings). */
    async function ourModel(): Promise<vscode.LanguageModelChat> {
        for (const t0 = Date.now(); ; await new Promise((r) => setTimeout(r, 200))) {
            const found = await vscode.lm.selectChatModels({vendor: "elastic-math"});
            if (found.length > 0) return found[0]!;
            if (Date.now() - t0 > 30000) assert.fail("no elastic-math language model was listed within 30 s");
        }
    }

    async function ask(model: vscode.LanguageModelChat, question: string, modelOptions: Record<string, unknown>): Promise<string> {
        const response = await model.sendRequest([vscode.LanguageModelChatMessage.User(question)], {modelOptions});
        let text = "";
        for await (const piece of response.text) text += piece;
        return text;
    }

    test("the budgets of the request's model options hold to the token; the thinking is marked, or left out", async function () {
        if (!hasProviderApi) {
            // VS Code 1.100: no provider API; our model is not listed, and asking for it finds nothing.
            assert.deepEqual(await vscode.lm.selectChatModels({vendor: "elastic-math"}), []);
            this.skip();
        }
        await setSetting("model.path", path.join(models, THINK_FOREVER.file));
        const model = await ourModel();
        assert.equal(model.vendor, "elastic-math");
        assert.match(model.name, /think-forever.*\(local, elastic budgets\)/);

        // Thinking cut at exactly 5 tokens, then the whole answer (its natural end is within 50).
        const whole = await ask(model, THINK_FOREVER.problem, {thinkTokens: 5, answerTokens: 50});
        assert.equal(whole, `<think>\n${THINK_FOREVER.thinkingText(5)}\n</think>\n\n${THINK_FOREVER.fullSolution}`);

        // Thinking 3, answer 4: both cut exactly (the answer's first token is the "\n\n" after the cut).
        const cut = await ask(model, THINK_FOREVER.problem, {thinkTokens: 3, answerTokens: 4});
        assert.equal(cut, `<think>\n${THINK_FOREVER.thinkingText(3)}\n</think>\n\n${THINK_FOREVER.solutionText(4)}`);

        // includeThinking: false leaves the thinking out; the answer is the same.
        const answerOnly = await ask(model, THINK_FOREVER.problem, {thinkTokens: 3, answerTokens: 4, includeThinking: false});
        assert.equal(answerOnly, THINK_FOREVER.solutionText(4));

        // Bad budgets are refused with a message that names the options.
        await assert.rejects(ask(model, THINK_FOREVER.problem, {thinkTokens: 0, answerTokens: 4}), /thinkTokens and modelOptions.answerTokens must both be whole numbers/);

        // Token counts from the model's own tokenizer: more text, more tokens; the same text, the same count.
        const short = await model.countTokens("What is 2+2?");
        const long = await model.countTokens("What is 2+2? ".repeat(20));
        assert.ok(short > 0 && long > short, `${short} vs ${long}`);
        assert.equal(await model.countTokens("What is 2+2?"), short);

        // A model whose thinking ends by itself: its whole thinking and answer, the budget not reached.
        await setSetting("model.path", path.join(models, THINK_STOPS.file));
        const stops = await ourModel();
        assert.match(stops.name, /think-stops/);
        const natural = await ask(stops, THINK_STOPS.problem, {thinkTokens: 1024, answerTokens: 1024});
        assert.equal(natural, `<think>\n${THINK_STOPS.thinkingText()}\n</think>\n\n${THINK_STOPS.fullSolution}`);
    });
});
