/**
 * Reads typed values out of raw configuration, collecting every problem (each naming its key,
 * the value and what is allowed) instead of stopping at the first. No `@pulumi/*` import.
 */

/**
 * The Pulumi engine hands every configuration value to the program as a string: objects and
 * lists arrive as their JSON text, whatever the key. Every top-level value is therefore taken
 * either parsed (a stack file read with a YAML parser, settings built in code) or as JSON text
 * (config through the engine), so no structured key depends on a list of names. Text that is
 * not a JSON object or list stays text and is judged by the key's reader.
 */
export function structured(value: unknown): unknown {
    if (typeof value !== "string" || !/^\s*[[{]/.test(value)) {
        return value;
    }
    try {
        const parsed: unknown = JSON.parse(value);
        return typeof parsed === "object" && parsed !== null ? parsed : value;
    } catch {
        return value;
    }
}

/** Reads typed values out of a raw object, collecting problems instead of throwing. */
export class Reader {
    readonly problems: string[] = [];
    constructor(private readonly ns: string) {}

    key(path: string): string {
        return `${this.ns}:${path}`;
    }

    fail(path: string, message: string): void {
        this.problems.push(`${this.key(path)}: ${message}`);
    }

    string(value: unknown, path: string, opts: { required?: boolean; pattern?: RegExp; allowed?: string } = {}): string | undefined {
        if (value === undefined || value === null || value === "") {
            if (opts.required ?? false) {
                this.fail(path, `missing; expected ${opts.allowed ?? "a string"}`);
            }
            return undefined;
        }
        if (typeof value !== "string") {
            this.fail(path, `expected ${opts.allowed ?? "a string"}, got ${JSON.stringify(value)}`);
            return undefined;
        }
        if (opts.pattern && !opts.pattern.test(value)) {
            this.fail(path, `expected ${opts.allowed ?? opts.pattern.source}, got ${JSON.stringify(value)}`);
            return undefined;
        }
        return value;
    }

    oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[], fallback?: T): T | undefined {
        if (value === undefined || value === null || value === "") {
            if (fallback === undefined) {
                this.fail(path, `missing; expected one of ${allowed.join(", ")}`);
            }
            return fallback;
        }
        if (typeof value !== "string" || !allowed.includes(value as T)) {
            this.fail(path, `expected one of ${allowed.join(", ")}, got ${JSON.stringify(value)}`);
            return fallback;
        }
        return value as T;
    }

    integer(value: unknown, path: string, min: number, max: number, fallback?: number): number | undefined {
        if (value === undefined || value === null || value === "") {
            if (fallback === undefined) {
                this.fail(path, `missing; expected an integer from ${min} to ${max}`);
            }
            return fallback;
        }
        const n = typeof value === "string" && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
        if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
            this.fail(path, `expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
            return fallback;
        }
        return n;
    }

    boolean(value: unknown, path: string, fallback: boolean): boolean {
        if (value === undefined || value === null || value === "") {
            return fallback;
        }
        if (value === true || value === "true") {
            return true;
        }
        if (value === false || value === "false") {
            return false;
        }
        this.fail(path, `expected true or false, got ${JSON.stringify(value)}`);
        return fallback;
    }

    object(value: unknown, path: string, required: boolean): Record<string, unknown> | undefined {
        if (value === undefined || value === null) {
            if (required) {
                this.fail(path, "missing; expected an object");
            }
            return undefined;
        }
        if (typeof value !== "object" || Array.isArray(value)) {
            this.fail(path, `expected an object, got ${JSON.stringify(value)}`);
            return undefined;
        }
        return value as Record<string, unknown>;
    }

    list(value: unknown, path: string, required: boolean): unknown[] | undefined {
        if (value === undefined || value === null) {
            if (required) {
                this.fail(path, "missing; expected a list");
            }
            return undefined;
        }
        if (!Array.isArray(value)) {
            this.fail(path, `expected a list, got ${JSON.stringify(value)}`);
            return undefined;
        }
        return value;
    }

    strings(value: unknown, path: string, pattern: RegExp, allowed: string, required: boolean): string[] {
        const list = this.list(value, path, required) ?? [];
        return list.flatMap((v, i) => {
            const s = this.string(v, `${path}[${i}]`, { required: true, pattern, allowed });
            return s === undefined ? [] : [s];
        });
    }

    unknownKeys(obj: Record<string, unknown> | undefined, path: string, known: readonly string[]): void {
        for (const k of Object.keys(obj ?? {})) {
            if (!known.includes(k)) {
                this.fail(`${path}.${k}`, `unknown key; known keys: ${known.join(", ")}`);
            }
        }
    }
}
