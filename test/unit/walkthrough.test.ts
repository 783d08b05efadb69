/**
 * The getting-started walkthrough (package.json contributes.walkthroughs) points only at what exists: every step has an
 * image that ships (media/, not excluded by .vscodeignore) with alt text, every command link and completion event
 * names a contributed command, view or setting, and a context key the extension sets. The UI test
 * (test/ui/walkthrough.test.ts) shows it in the real workbench.
 */
import assert from "node:assert/strict";
import {existsSync, readdirSync, readFileSync, statSync} from "node:fs";
import {join} from "node:path";
import {test} from "node:test";
import {fromRoot} from "../paths";

/** A step's image: one file, or one per theme kind (light, dark, hc, hcLight). */
type Image = string | Record<"light" | "dark" | "hc" | "hcLight", string>;
interface Step {id: string; title: string; description: string; media: {image?: Image; altText?: string}; completionEvents?: string[]}
const pkg = JSON.parse(readFileSync(fromRoot("package.json"), "utf8"));
// The texts are %keys% of package.nls.json (docs/localization.md): read them in English.
const nls: Record<string, string> = JSON.parse(readFileSync(fromRoot("package.nls.json"), "utf8"));
const english = <T>(value: T): T => JSON.parse(JSON.stringify(value), (_k, v) => typeof v === "string" ? v.replace(/^%([\w.-]+)%$/, (m, key: string) => nls[key] ?? m) : v);
const walkthroughs: {id: string; title: string; steps: Step[]}[] = english(pkg.contributes.walkthroughs);
const commands = new Set<string>(pkg.contributes.commands.map((c: {command: string}) => c.command));
const views = new Set<string>(Object.values(pkg.contributes.views as Record<string, {id: string}[]>).flat().map((v) => v.id));
const settings = new Set<string>(Object.keys(pkg.contributes.configuration.properties ?? {}));

function sources(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
        const p = join(dir, name);
        return statSync(p).isDirectory() ? sources(p) : name.endsWith(".ts") ? [p] : [];
    });
}

/** A command a link or an event may name: a contributed one, or the focus command VS Code makes for each view. */
function knownCommand(id: string): boolean {
    return commands.has(id) || (id.endsWith(".focus") && views.has(id.slice(0, -".focus".length)));
}

test("there is one walkthrough with a step to get a model, solve, chat and be tutored", () => {
    assert.equal(walkthroughs.length, 1);
    assert.deepEqual(walkthroughs[0]!.steps.map((s) => s.id), ["model", "solve", "chat", "tutor"]);
});

test("every step has a command to run, an image that ships with alt text, and a completion event", () => {
    const ignored = readFileSync(fromRoot(".vscodeignore"), "utf8");
    for (const step of walkthroughs[0]!.steps) {
        const links = [...step.description.matchAll(/\]\(command:([\w.]+)\)/g)].map((m) => m[1]!);
        assert.ok(links.length > 0, `${step.id}: no command to run`);
        for (const c of links) assert.ok(knownCommand(c), `${step.id}: the link names ${c}, which is not a command`);
        const image = step.media.image;
        assert.ok(image != null, `${step.id}: no image`);
        const files = typeof image === "string" ? [image] : [image.light, image.dark, image.hc, image.hcLight];
        for (const f of files) assert.ok(typeof f === "string" && f.startsWith("media/") && existsSync(fromRoot(f)), `${step.id}: image ${f} is missing`);
        assert.ok(!/^media\//m.test(ignored), ".vscodeignore excludes media/");
        assert.ok((step.media.altText ?? "").length > 20, `${step.id}: no alt text`);
        assert.ok((step.completionEvents ?? []).length > 0, `${step.id}: nothing marks it done`);
    }
});

test("every completion event names a command, a view, a setting or a context key the extension sets", () => {
    const src = sources(fromRoot("src")).map((f) => readFileSync(f, "utf8")).join("\n");
    for (const step of walkthroughs[0]!.steps) {
        for (const event of step.completionEvents!) {
            const [kind, name] = event.split(/:(.*)/s) as [string, string];
            if (kind === "onCommand") assert.ok(knownCommand(name), `${step.id}: ${event}`);
            else if (kind === "onView") assert.ok(views.has(name), `${step.id}: ${event}`);
            else if (kind === "onSettingChanged") assert.ok(settings.has(name), `${step.id}: ${event}`);
            else if (kind === "onContext") assert.ok(src.includes(`"${name}"`), `${step.id}: ${event}: the extension never sets ${name}`);
            else assert.fail(`${step.id}: unknown completion event ${event}`);
        }
    }
});

test("the model step's id, as the workbench names it for welcome.markStepComplete, matches package.json", async () => {
    const {modelConfiguredContextKey, modelStepId} = await import("../../src/vscode/commandIds");
    const step = walkthroughs[0]!.steps.find((s) => (s.completionEvents ?? []).includes(`onContext:${modelConfiguredContextKey}`));
    assert.ok(step != null, "a step is done by the model context key");
    assert.equal(modelStepId, `${pkg.publisher}.${pkg.name}#${walkthroughs[0]!.id}#${step.id}`);
});
