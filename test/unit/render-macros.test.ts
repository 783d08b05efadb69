/** The user-macros setting: validation (bad entries dropped with a reason) and its effect on rendering. */
import {test} from "node:test";
import assert from "node:assert/strict";
import {normalizeMacros, renderMarkdown, StreamingRenderer} from "../../src/render/index";

test("valid macros pass, names without a backslash get one, bad entries are dropped with a reason", () => {
    const {macros, problems} = normalizeMacros({"\\eps": "\\varepsilon", abs: "\\left|#1\\right|", "\\1bad": "x", "\\n": 3, "\\long": "x".repeat(3000)});
    assert.deepEqual(macros, {"\\eps": "\\varepsilon", "\\abs": "\\left|#1\\right|"});
    assert.equal(problems.length, 3);
    assert.match(problems.join("\n"), /\\1bad.*backslash and letters/);
    assert.match(problems.join("\n"), /"\\n": the expansion must be a string/);
    assert.match(problems.join("\n"), /longer than 2000/);
    for (const bad of ["text", 42, ["\\a"]]) {
        const r = normalizeMacros(bad);
        assert.deepEqual(r.macros, {});
        assert.match(r.problems[0]!, /must be an object/);
    }
    assert.deepEqual(normalizeMacros(undefined), {macros: {}, problems: []});
});

test("user macros render (with arguments), override built-ins, and reach the streaming renderer", () => {
    const {macros} = normalizeMacros({abs: "\\left|#1\\right|", "\\R": "\\mathcal{R}"});
    const one = renderMarkdown("$\\abs{x} \\in \\R$", {macros});
    assert.equal(one.errors.length, 0);
    assert.match(one.html, /mathcal|𝓡|mathcal/);
    assert.doesNotMatch(one.html, /em-math-error/);
    // Without the setting, \abs is unknown: a marked error, not silent text.
    assert.match(renderMarkdown("$\\abs{x}$").html, /em-math-error/);
    const s = new StreamingRenderer({macros});
    let html = "";
    for (const t of ["Then ", "$\\abs", "{x}$", " holds.\n\nNext."]) html += s.append(t).committed.join("");
    html += s.finish().pending;
    assert.equal(html, renderMarkdown("Then $\\abs{x}$ holds.\n\nNext.", {macros}).html);
});

test("a recursive user macro fails only its formula, quickly", () => {
    const {macros} = normalizeMacros({"\\loop": "\\loop\\loop"});
    const t = Date.now();
    const r = renderMarkdown("Before $x$, then $\\loop$, after $y$.", {macros});
    assert.ok(Date.now() - t < 5000);
    assert.equal(r.errors.length, 1);
    assert.match(r.errors[0]!.message, /expansion|Too many/i);
    assert.equal((r.html.match(/<span class="katex">/g) ?? []).length, 2);
});
