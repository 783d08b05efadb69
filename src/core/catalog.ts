/**
 * The model catalog (models/catalog.json) as typed data, checked against models/catalog.schema.json at load.
 *
 * The schema file is the single description of an entry: {@link validateAgainstSchema} interprets the subset of
 * JSON Schema it uses (type, required, properties, additionalProperties, enum, const, pattern, minimum, maximum,
 * minLength, items, $ref), so a field added to the schema is checked without code here. Each entry is checked on
 * its own: a bad entry is reported by its id (or position) and the failing field, and the others keep working.
 *
 * User entries (a setting, or a file in the extension's global storage) are merged over the built-in ones by id.
 */
import schemaJson from "../../models/catalog.schema.json";
import catalogJson from "../../models/catalog.json";

export type CatalogPromptFormat = "deepseek-r1-distill" | "chatml" | "llemma-few-shot" | "model-template";

export interface CatalogFile {
    readonly quantization: string;
    /** `hf:<user>/<repo>/<file>`, `hf:<user>/<repo>:<quant>`, or an http(s) URL. */
    readonly uri: string;
    /** Other sources of the same file (same forms as `uri`), tried in order when the ones before fail (404, refused, unreachable). */
    readonly alternatives?: readonly string[];
    /** Size in bytes (approximate unless `exactBytes`): shown to the user, used for the "fits" estimate. */
    readonly bytes: number;
    /** When true, a download whose size differs is rejected. */
    readonly exactBytes?: boolean;
    /** Lower-case hex; when known, a download that does not match is rejected and removed. */
    readonly sha256?: string | null;
}

export interface CatalogEntry {
    readonly id: string;
    readonly name: string;
    readonly default?: boolean;
    readonly parameters: string;
    readonly architecture?: string;
    readonly license: string;
    readonly description?: string;
    readonly homepage?: string;
    readonly notes?: string;
    readonly promptFormat: CatalogPromptFormat;
    readonly thinking?: {readonly openedByPrompt: boolean; readonly close: string; readonly cut: string};
    readonly budgets: {readonly think: number; readonly answer: number};
    readonly sampling?: {readonly temperature?: number; readonly topP?: number};
    readonly contextLength: number;
    readonly files: readonly CatalogFile[];
}

/** Where an entry came from (for messages). */
export type CatalogOrigin = "built-in" | "settings" | "user file";

export interface CatalogModel extends CatalogEntry {
    readonly origin: CatalogOrigin;
}

export interface Catalog {
    readonly models: readonly CatalogModel[];
    /** One line per rejected entry or file, naming it and the field. */
    readonly problems: readonly string[];
}

/** Licenses that forbid commercial use (flagged where the user picks the model). */
export function isNonCommercial(license: string): boolean {
    return /\bNC\b|non-?commercial/i.test(license);
}

// ---------------------------------------------------------------------------------------------------------------
// A small interpreter for the JSON Schema subset the catalog schema uses.

type Schema = {
    type?: string | string[]; required?: string[]; properties?: Record<string, Schema>; additionalProperties?: boolean;
    enum?: unknown[]; const?: unknown; pattern?: string; minimum?: number; maximum?: number; minLength?: number;
    items?: Schema; $ref?: string; definitions?: Record<string, Schema>;
};
const rootSchema = schemaJson as unknown as Schema;

function typeOf(v: unknown): string {
    if (v === null) return "null";
    if (Array.isArray(v)) return "array";
    if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
    return typeof v;
}

/** Returns the first problem as "field: what is wrong", or null when the value matches. */
export function validateAgainstSchema(value: unknown, schema: Schema, path = ""): string | null {
    if (schema.$ref != null) {
        const name = schema.$ref.replace("#/definitions/", "");
        const target = rootSchema.definitions?.[name];
        if (target == null) return `${path || "(root)"}: unknown schema reference ${schema.$ref}`;
        return validateAgainstSchema(value, target, path);
    }
    const at = path || "(root)";
    const actual = typeOf(value);
    if (schema.type != null) {
        const types = Array.isArray(schema.type) ? schema.type : [schema.type];
        const ok = types.some((t) => t === actual || (t === "number" && actual === "integer"));
        if (!ok) return `${at}: must be ${types.join(" or ")}, got ${actual === "integer" || actual === "number" ? String(value) : actual}`;
    }
    if ("const" in schema && value !== schema.const) return `${at}: must be ${JSON.stringify(schema.const)}`;
    if (schema.enum != null && !schema.enum.includes(value))
        return `${at}: must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}, got ${JSON.stringify(value)}`;
    if (typeof value === "string") {
        if (schema.minLength != null && value.length < schema.minLength) return `${at}: must not be empty`;
        if (schema.pattern != null && !new RegExp(schema.pattern).test(value)) return `${at}: ${JSON.stringify(value)} is not in the expected form (${schema.pattern})`;
    }
    if (typeof value === "number") {
        if (schema.minimum != null && value < schema.minimum) return `${at}: must be at least ${schema.minimum}, got ${value}`;
        if (schema.maximum != null && value > schema.maximum) return `${at}: must be at most ${schema.maximum}, got ${value}`;
    }
    if (actual === "array" && schema.items != null) {
        const arr = value as unknown[];
        for (let i = 0; i < arr.length; i++) {
            const p = validateAgainstSchema(arr[i], schema.items, `${path}[${i}]`);
            if (p != null) return p;
        }
    }
    if (actual === "object") {
        const obj = value as Record<string, unknown>;
        for (const key of schema.required ?? [])
            if (!(key in obj)) return `${path ? path + "." : ""}${key}: is required`;
        for (const [key, v] of Object.entries(obj)) {
            const sub = schema.properties?.[key];
            const p = path ? `${path}.${key}` : key;
            if (sub == null) {
                if (schema.additionalProperties === false) return `${p}: is not a known field`;
                continue;
            }
            const problem = validateAgainstSchema(v, sub, p);
            if (problem != null) return problem;
        }
    }
    return null;
}

const entrySchema: Schema = {$ref: "#/definitions/entry"};

/** Checks one entry; returns it typed, or a message naming the entry and the field. */
export function validateEntry(raw: unknown, origin: CatalogOrigin, index: number): {entry: CatalogModel} | {problem: string} {
    const id = raw != null && typeof raw === "object" && typeof (raw as {id?: unknown}).id === "string"
        ? `"${(raw as {id: string}).id}"` : `#${index + 1}`;
    const problem = validateAgainstSchema(raw, entrySchema);
    if (problem != null) return {problem: `model entry ${id} (${origin}): ${problem}`};
    const entry = raw as CatalogEntry;
    if (entry.promptFormat === "deepseek-r1-distill" && entry.thinking == null)
        return {problem: `model entry ${id} (${origin}): thinking: is required for the deepseek-r1-distill format`};
    return {entry: {...entry, origin}};
}

/** Parses a whole catalog document (`{version, models}`) or a bare array of entries (user additions). */
export function parseCatalogDocument(doc: unknown, origin: CatalogOrigin): Catalog {
    const problems: string[] = [];
    let list: unknown;
    if (Array.isArray(doc)) list = doc;
    else if (doc != null && typeof doc === "object" && Array.isArray((doc as {models?: unknown}).models)) {
        const version = (doc as {version?: unknown}).version;
        if (version !== undefined && version !== 1) problems.push(`catalog (${origin}): version: must be 1, got ${JSON.stringify(version)}`);
        list = (doc as {models: unknown[]}).models;
    } else {
        return {models: [], problems: [`catalog (${origin}): must be a list of model entries or {"version": 1, "models": [...]}`]};
    }
    const models: CatalogModel[] = [];
    const seen = new Set<string>();
    (list as unknown[]).forEach((raw, i) => {
        const r = validateEntry(raw, origin, i);
        if ("problem" in r) { problems.push(r.problem); return; }
        if (seen.has(r.entry.id)) { problems.push(`model entry "${r.entry.id}" (${origin}): id: appears twice; the first one is used`); return; }
        seen.add(r.entry.id);
        models.push(r.entry);
    });
    return {models, problems};
}

/** The built-in catalog (bundled with the extension). */
export function builtInCatalog(): Catalog {
    return parseCatalogDocument(catalogJson, "built-in");
}

/** Built-in entries, then user entries: a user entry with a built-in id replaces it (same place in the list). */
export function mergeCatalogs(...catalogs: Catalog[]): Catalog {
    const byId = new Map<string, CatalogModel>();
    const problems: string[] = [];
    for (const c of catalogs) {
        problems.push(...c.problems);
        for (const m of c.models) byId.set(m.id, m);
    }
    return {models: [...byId.values()], problems};
}

/** The default model (the entry marked `default`, else the first). */
export function defaultModel(catalog: Catalog): CatalogModel | undefined {
    return catalog.models.find((m) => m.default === true) ?? catalog.models[0];
}

/** "1.1 GB" style sizes (decimal units, as download sites show them). */
export function formatBytes(bytes: number): string {
    if (!Number.isFinite(bytes) || bytes < 0) return "?";
    if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
    if (bytes >= 1e6) return `${Math.round(bytes / 1e6)} MB`;
    if (bytes >= 1e3) return `${Math.round(bytes / 1e3)} KB`;
    return `${bytes} B`;
}

/** The file name a catalog file is saved under: the URI's last path part, or `<id>-<quant>.gguf` for `hf:repo:quant`. */
export function fileNameFor(model: CatalogEntry, file: CatalogFile): string {
    const m = /^hf:[^/]+\/[^/]+\/(.+?)(#.*)?$/.exec(file.uri);
    if (m != null) return m[1]!.split("/").pop()!;
    if (/^https?:/.test(file.uri)) {
        try {
            const last = decodeURIComponent(new URL(file.uri).pathname.split("/").pop() ?? "");
            if (/\.gguf$/i.test(last) && !/[\\/]/.test(last)) return last;
        } catch { /* fall through */ }
    }
    return `${model.id}-${file.quantization}.gguf`;
}
