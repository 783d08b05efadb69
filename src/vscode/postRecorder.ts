/**
 * What a view was sent, newest last and bounded: the extension's exported API (src/main.ts) shows it to the
 * integration tests. The composition root makes one per view and gives its `record` to the view's webview host
 * (WebviewHostOptions.onPost), so no controller keeps a list of its posts.
 */
export class PostRecorder<T> {
    private readonly list: T[] = [];

    /** `limit`: the most messages kept (the oldest go first); 0 keeps none (outside tests). */
    public constructor(private readonly limit: number) {}

    /** The messages so far (one array, growing as messages are posted). */
    public get messages(): readonly T[] {
        return this.list;
    }

    /** Forgets what was recorded (the array `messages` gave is emptied). */
    public forget(): void {
        this.list.length = 0;
    }

    public readonly record = (message: T): void => {
        if (this.limit <= 0) return;
        this.list.push(message);
        if (this.list.length > this.limit) this.list.splice(0, this.list.length - this.limit);
    };
}
