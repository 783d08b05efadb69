import assert from "node:assert/strict";
import {readFileSync} from "node:fs";
import {test} from "node:test";
import {
    builtInCatalog, defaultModel, fileNameFor, formatBytes, isNonCommercial, mergeCatalogs, parseCatalogDocument
} from "../../src/core/catalog";
import {promptFormats} from "../../src/core/promptFormat";
import {fromRoot} from "../paths";

test("the built-in catalog passes its schema and holds the seven models, E1-Math-1.5B the default", () => {
    const c = builtInCatalog();
    assert.deepEqual(c.problems, []);
    assert.deepEqual(c.models.map((m) => m.name), ["E1-Math-1.5B", "E1-Math-7B", "DeepScaleR-1.5B-Preview", "Skywork-OR1-Math-7B",
        "DeepSeek-R1-Distill-Qwen-1.5B", "TinyMathReason-1B-sft", "Llemma 7B"]);
    assert.equal(defaultModel(c)?.id, "e1-math-1.5b");
    for (const m of c.models) if (m.promptFormat !== "model-template") assert.ok(promptFormats.has(m.promptFormat), m.id);
    const e1 = defaultModel(c)!;
    assert.ok(isNonCommercial(e1.license));
    assert.equal(formatBytes(e1.files[0]!.bytes), "1.1 GB");
    assert.ok(!isNonCommercial("MIT") && !isNonCommercial("Apache-2.0"));
});

test("a broken user entry is reported by name and field; the good ones keep working", () => {
    const user = parseCatalogDocument([
        {id: "my-model", name: "Mine", parameters: "1B", license: "MIT", promptFormat: "chatml", budgets: {think: 0, answer: 512}, contextLength: 4096,
            files: [{quantization: "Q8_0", uri: "https://example.invalid/mine.gguf", bytes: 1000}]},
        {id: "broken-one", name: "Broken", parameters: "1B", license: "MIT", promptFormat: "chatml", budgets: {think: 0, answer: 512}, contextLength: 4096,
            files: [{quantization: "Q8_0", uri: "ftp://nope", bytes: 1000}]},
        {id: "no-format", name: "X", parameters: "1B", license: "MIT", promptFormat: "alpaca", budgets: {think: 0, answer: 1}, contextLength: 4096, files: []},
        {name: "anonymous"}
    ], "settings");
    assert.deepEqual(user.models.map((m) => m.id), ["my-model"]);
    assert.equal(user.problems.length, 3);
    assert.match(user.problems[0]!, /"broken-one" \(settings\): files\[0\]\.uri/);
    assert.match(user.problems[1]!, /"no-format" \(settings\): promptFormat: must be one of/);
    assert.match(user.problems[2]!, /#4 \(settings\): id: is required/);
    const merged = mergeCatalogs(builtInCatalog(), user);
    assert.equal(merged.models.length, 8);
    assert.equal(merged.problems.length, 3);
});

test("a user entry with a built-in id replaces it; unknown fields and wrong types are named", () => {
    const e1 = builtInCatalog().models[0]!;
    const user = parseCatalogDocument({version: 1, models: [{...e1, origin: undefined, files: [], name: "My E1"}]}, "user file");
    assert.match(user.problems[0] ?? "", /origin: is not a known field/);
    const {origin: _o, ...plain} = e1;
    const ok = parseCatalogDocument({version: 1, models: [{...plain, name: "My E1", contextLength: "big"}]}, "user file");
    assert.match(ok.problems[0]!, /"e1-math-1.5b" \(user file\): contextLength: must be integer/);
    const good = parseCatalogDocument([{...plain, name: "My E1"}], "user file");
    const merged = mergeCatalogs(builtInCatalog(), good);
    assert.equal(merged.models[0]!.name, "My E1");
    assert.equal(merged.models[0]!.origin, "user file");
    assert.deepEqual(parseCatalogDocument("nope", "user file").models, []);
});

test("a file's alternative sources: accepted in the uri forms, anything else named by its field", () => {
    const {origin: _o, ...plain} = builtInCatalog().models[0]!;
    const file = {...plain.files[0]!, alternatives: ["hf:someone/E1-Math-1.5B-GGUF/E1-Math-1.5B.Q4_K_M.gguf", "https://mirror.example/e1.gguf"]};
    const good = parseCatalogDocument([{...plain, files: [file]}], "user file");
    assert.deepEqual(good.problems, []);
    assert.deepEqual(good.models[0]!.files[0]!.alternatives, file.alternatives);
    const bad = parseCatalogDocument([{...plain, files: [{...file, alternatives: ["ftp://old.example/e1.gguf"]}]}], "user file");
    assert.match(bad.problems[0] ?? "", /alternatives/);
});

test("the schema file and the catalog file are valid JSON; file names come from the URI", () => {
    JSON.parse(readFileSync(fromRoot("models", "catalog.schema.json"), "utf8"));
    const e1 = builtInCatalog().models[0]!;
    assert.equal(fileNameFor(e1, e1.files[0]!), "E1-Math-1.5B.Q4_K_M.gguf");
    assert.equal(fileNameFor(e1, {quantization: "Q4_K_M", uri: "hf:a/b:Q4_K_M", bytes: 1}), "e1-math-1.5b-Q4_K_M.gguf");
    assert.equal(fileNameFor(e1, {quantization: "Q8", uri: "https://x.invalid/dir/m%20x.gguf?download=1", bytes: 1}), "m x.gguf");
});
