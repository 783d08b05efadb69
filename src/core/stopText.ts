/**
 * Stop texts for formats that end generation on text rather than on a token (base models with few-shot prompts).
 *
 * Streaming must never show a stop text (or a piece of one), so the filter holds back the longest tail of the
 * text that could still grow into a stop text, and releases it once it cannot.
 */
export class StopTextFilter {
    private held = "";
    private _stopped = false;

    constructor(private readonly stops: readonly string[]) {}

    get stopped(): boolean { return this._stopped; }

    /** Adds text; returns what may be shown now. After a stop text is found, returns the text before it and stops. */
    push(text: string): string {
        if (this._stopped || text === "") return "";
        const all = this.held + text;
        let cut = -1;
        for (const s of this.stops) {
            const i = all.indexOf(s);
            if (i >= 0 && (cut < 0 || i < cut)) cut = i;
        }
        if (cut >= 0) {
            this._stopped = true;
            this.held = "";
            return all.slice(0, cut);
        }
        let keep = 0;
        for (const s of this.stops)
            for (let n = Math.min(s.length - 1, all.length); n > keep; n--)
                if (all.endsWith(s.slice(0, n))) { keep = n; break; }
        this.held = all.slice(all.length - keep);
        return all.slice(0, all.length - keep);
    }

    /** The end of generation: whatever was held back is plain text after all. */
    flush(): string {
        if (this._stopped) return "";
        const rest = this.held;
        this.held = "";
        return rest;
    }
}
