/**
 * Token arrays can be long (a pasted problem of 125k tokens): `target.push(...source)` passes every element as a
 * call argument and throws "Maximum call stack size exceeded" past about 120k of them. Append with a loop instead.
 */
export function appendAll<T>(target: T[], ...sources: readonly (readonly T[])[]): T[] {
    for (const source of sources) for (let i = 0; i < source.length; i++) target.push(source[i]!);
    return target;
}
