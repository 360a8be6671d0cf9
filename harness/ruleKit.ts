/**
 * The building blocks of the provider rules (harness/providerRules.ts and the files beside it):
 * reading inputs as the mock monitor deserializes them, building rules that name their source,
 * and the checks several resource types share (ARNs, tags, IAM policies).
 *
 * Pure module: no `@pulumi/*` import.
 */
import { isIPv4, isIPv6 } from "node:net";

/** One documented input constraint of a provider resource type. */
export interface ProviderRule {
    readonly type: string;
    readonly property: string;
    readonly source: string;
    check(inputs: Record<string, unknown>): string | undefined;
}

export type Inputs = Record<string, unknown>;
/** What a rule's test finds: nothing, one problem or several. */
export type Finding = string | readonly string[] | undefined;

// ---------------------------------------------------------------------------------------------
// Reading deserialized inputs

/** The value `@pulumi/pulumi` uses on the wire for a value not known yet. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isRecord(value: unknown): value is Record<string, unknown> {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return false;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    return proto === Object.prototype || proto === null;
}

/** Absent: undefined, null, or a value not known yet (an `Unknown` object or the wire sentinel). */
export function absent(value: unknown): boolean {
    return value === undefined || value === null || value === UNKNOWN || (typeof value === "object" && !Array.isArray(value) && !isRecord(value));
}

/** The value at a dotted path of plain objects (`healthCheck.interval`), or undefined. */
export function at(value: unknown, path: string): unknown {
    let current: unknown = value;
    for (const key of path.split(".")) {
        if (!isRecord(current)) {
            return undefined;
        }
        current = current[key];
    }
    return current;
}

/** The present items of a list input; a single nested object counts as a list of one. */
export function items(value: unknown): unknown[] {
    if (absent(value)) {
        return [];
    }
    return Array.isArray(value) ? value.filter((v) => !absent(v)) : [value];
}

/** `where.key is required but absent` for each of `keys` absent from `obj`. */
export function missingKeys(obj: Record<string, unknown>, keys: readonly string[], where: string): string[] {
    return keys.filter((key) => absent(obj[key])).map((key) => `${where}.${key} is required but absent`);
}

export function records(value: unknown): Record<string, unknown>[] {
    return items(value).filter(isRecord);
}

/** A short, exact rendering of an offending value. */
export function show(value: unknown): string {
    if (typeof value === "string") {
        const n = [...value].length;
        if (n > 160) {
            return `${JSON.stringify([...value].slice(0, 100).join(""))}… (${n} characters)`;
        }
        return n > 40 ? `${JSON.stringify(value)} (${n} characters)` : JSON.stringify(value);
    }
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 200 ? `${text.slice(0, 197)}…` : text;
}

/** An integer given as a number or as a string of digits; undefined for anything else. */
export function integer(value: unknown): number | undefined {
    if (typeof value === "number" && Number.isInteger(value)) {
        return value;
    }
    if (typeof value === "string" && /^-?\d+$/.test(value)) {
        return Number(value);
    }
    return undefined;
}

/** Length in Unicode characters (code points), the unit AWS states most limits in. */
export function chars(text: string): number {
    return [...text].length;
}

export function utf8Bytes(text: string): number {
    return Buffer.byteLength(text, "utf8");
}

export type Parsed = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

export function parseJson(text: string): Parsed {
    try {
        return { ok: true, value: JSON.parse(text) as unknown };
    } catch (e) {
        return { ok: false, error: (e as Error).message };
    }
}

/** A JSON-string input parsed (a string), or taken as is (already an object), or undefined. */
export function jsonInput(value: unknown): unknown {
    if (typeof value !== "string") {
        return value;
    }
    const parsed = parseJson(value);
    return parsed.ok ? parsed.value : undefined;
}

// ---------------------------------------------------------------------------------------------
// Building rules

export function rule(type: string, property: string, source: string, test: (inputs: Inputs) => Finding): ProviderRule {
    return {
        type,
        property,
        source,
        check(inputs: Record<string, unknown>): string | undefined {
            const found = test(inputs);
            const problems = found === undefined ? [] : typeof found === "string" ? [found] : [...found];
            if (problems.length === 0) {
                return undefined;
            }
            return `${type} ${property}: ${problems.join("; ")} [source: ${source}]`;
        },
    };
}

/** `got <value>, expected <allowed>` */
export function got(value: unknown, expected: string): string {
    return `got ${show(value)}, expected ${expected}`;
}

/** Checks each present value with `test`, which answers what is allowed when the value is not. */
export function eachValue(values: readonly { readonly where: string; readonly value: unknown }[], test: (value: unknown) => string | undefined): string[] {
    const problems: string[] = [];
    for (const { where, value } of values) {
        if (absent(value)) {
            continue;
        }
        const expected = test(value);
        if (expected !== undefined) {
            problems.push(`${where === "" ? "" : `${where} `}${got(value, expected)}`);
        }
    }
    return problems;
}

/** Checks the value at `path` (absent: fine). */
export function value(type: string, path: string, source: string, test: (value: unknown) => string | undefined): ProviderRule {
    return rule(type, path, source, (inputs) => eachValue([{ where: "", value: at(inputs, path) }], test));
}

/** A string test: `test` answers what is allowed when the string is not. */
export function str(test: (s: string) => string | undefined): (value: unknown) => string | undefined {
    return (v) => (typeof v === "string" ? test(v) : "a string");
}

export function intBetween(min: number, max: number): (value: unknown) => string | undefined {
    return (v) => {
        const n = integer(v);
        return n !== undefined && n >= min && n <= max ? undefined : `an integer from ${min} to ${max}`;
    };
}

export function oneOf(allowed: readonly string[], ignoreCase = false): (value: unknown) => string | undefined {
    return (v) => {
        const ok = typeof v === "string" && (ignoreCase ? allowed.some((a) => a.toLowerCase() === v.toLowerCase()) : allowed.includes(v));
        return ok ? undefined : `one of ${allowed.join(", ")}${ignoreCase ? " (any case)" : ""}`;
    };
}

export const boolean = (v: unknown): string | undefined => (typeof v === "boolean" ? undefined : "a boolean");

export function required(type: string, property: string, source: string): ProviderRule {
    return rule(type, property, source, (inputs) => (absent(at(inputs, property)) ? "is required but absent" : undefined));
}

export function requiredNonEmptyList(type: string, property: string, source: string): ProviderRule {
    return rule(type, property, source, (inputs) => {
        const v = at(inputs, property);
        if (absent(v)) {
            return "is required but absent";
        }
        return items(v).length === 0 ? got(v, "at least one item") : undefined;
    });
}

/** Pulumi's required inputs: the SDK refuses a resource without them. */
export function pulumiRequired(type: string, module: string, properties: readonly string[], tf: string): ProviderRule[] {
    return properties.map((p) => required(type, p, `@pulumi/aws 7.x ${module} required input (${tf}: Required)`));
}

// ---------------------------------------------------------------------------------------------
// Shared checks

/** IAM's description pattern (IAM API reference, CreateRole / CreateServiceLinkedRole Description). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: IAM allows tab, line feed and carriage return in descriptions
export const IAM_DESCRIPTION = /^[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*$/;

export const ARN = /^arn:([^:]*):([^:]*):([^:]*):([^:]*):(.*)$/s;
export const ARN_PARTITION = /^aws(-[a-z]+)*$/;
export const ARN_REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
export const ARN_ACCOUNT = /^(aws|aws-managed|third-party|\d{12}|cw.{10})$/;

/** Why `text` is not an ARN as verify.ValidARN sees it, or undefined. */
export function arnProblem(text: string): string | undefined {
    const m = ARN.exec(text);
    if (!m) {
        return "an ARN (arn:partition:service:region:account:resource)";
    }
    const [, partition = "", , region = "", account = "", resource = ""] = m;
    if (!ARN_PARTITION.test(partition)) {
        return "an ARN whose partition matches ^aws(-[a-z]+)*$";
    }
    if (region !== "" && !ARN_REGION.test(region)) {
        return "an ARN whose region matches ^[a-z]{2}(-[a-z]+)+-\\d$";
    }
    if (account !== "" && !ARN_ACCOUNT.test(account)) {
        return "an ARN whose account is 12 digits (or aws)";
    }
    return resource === "" ? "an ARN with a resource part" : undefined;
}

export const validArn = str((s) => (s === "" ? undefined : arnProblem(s)));

/** The service of an ARN (`secretsmanager`), or undefined when `text` is no ARN. */
export function arnService(text: string): string | undefined {
    const m = ARN.exec(text);
    return m ? m[2] : undefined;
}

export function tagProblems(tags: unknown, where: string, maxTags: number): string[] {
    if (absent(tags)) {
        return [];
    }
    if (!isRecord(tags)) {
        return [`${where} ${got(tags, "a map of tag keys to string values")}`];
    }
    const problems: string[] = [];
    const keys = Object.keys(tags);
    if (keys.length > maxTags) {
        problems.push(`${where} has ${keys.length} tags, at most ${maxTags} are allowed`);
    }
    for (const key of keys) {
        const v = tags[key];
        if (key === "") {
            problems.push(`${where} key ${got(key, "a non-empty key")}`);
        }
        if (chars(key) > 128) {
            problems.push(`${where} key ${got(key, "at most 128 characters")}`);
        }
        if (key.toLowerCase().startsWith("aws:")) {
            problems.push(`${where} key ${got(key, "no aws: prefix (reserved for AWS)")}`);
        }
        if (absent(v)) {
            continue;
        }
        if (typeof v !== "string") {
            problems.push(`${where}[${JSON.stringify(key)}] ${got(v, "a string value")}`);
        } else if (chars(v) > 256) {
            problems.push(`${where}[${JSON.stringify(key)}] value ${got(v, "at most 256 characters")}`);
        }
    }
    return problems;
}

/** Where the tag limits come from. */
export const TAGS_SOURCE =
    "AWS tagging docs, tag restrictions (e.g. ECS API Tag; Tagging AWS resources): ≤50 tags, key ≤128 and value ≤256 Unicode characters, aws: prefix reserved";

export function tagRules(type: string): ProviderRule[] {
    return [rule(type, "tags", TAGS_SOURCE, (inputs) => tagProblems(inputs.tags, "tags", 50))];
}

export function isIPv4Cidr(text: string): string | undefined {
    const [address = "", bits = "", ...rest] = text.split("/");
    const n = integer(bits);
    if (rest.length > 0 || !isIPv4(address) || n === undefined || n < 0 || n > 32) {
        return "an IPv4 CIDR block (a.b.c.d/n)";
    }
    const value = address.split(".").reduce((acc, part) => acc * 256 + Number(part), 0);
    const hostBits = 2 ** (32 - n);
    return value % hostBits === 0 ? undefined : "the network address of the CIDR block (host bits zero)";
}

export function ipv6Value(address: string): bigint {
    let text = address;
    const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
    if (v4 && v4[1] !== undefined) {
        const parts = v4[1].split(".").map(Number);
        const hi = ((parts[0] ?? 0) << 8) | (parts[1] ?? 0);
        const lo = ((parts[2] ?? 0) << 8) | (parts[3] ?? 0);
        text = `${text.slice(0, -v4[1].length)}${hi.toString(16)}:${lo.toString(16)}`;
    }
    const [head = "", tail] = text.split("::");
    const left = head === "" ? [] : head.split(":");
    const right = tail === undefined || tail === "" ? [] : tail.split(":");
    const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
    return groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g, 16)), 0n);
}

export function isIPv6Cidr(text: string): string | undefined {
    const [address = "", bits = "", ...rest] = text.split("/");
    const n = integer(bits);
    if (rest.length > 0 || !isIPv6(address) || n === undefined || n < 0 || n > 128) {
        return "an IPv6 CIDR block (address/n)";
    }
    const hostBits = 1n << BigInt(128 - n);
    return ipv6Value(address) % hostBits === 0n ? undefined : "the network address of the CIDR block (host bits zero)";
}

export function anyCidr(text: string): string | undefined {
    return text.includes(":") ? isIPv6Cidr(text) : isIPv4Cidr(text);
}

/** Characters IAM does not count in policy sizes. */
export function policyLength(text: string): number {
    return chars(text.replace(/\s/g, ""));
}

export function iamPolicyJsonProblem(text: string): string | undefined {
    if (text === "") {
        return "a JSON policy document (got an empty string)";
    }
    if (!text.startsWith("{")) {
        return "a JSON object starting with { (no leading whitespace, no JSON-encoded string or array)";
    }
    const parsed = parseJson(text);
    return parsed.ok ? undefined : `valid JSON (${parsed.error})`;
}

/** What the IAM policy grammar refuses in a parsed document: Version, Statement, each Effect. */
export function policyGrammarProblems(document: unknown): string[] {
    const doc = jsonInput(document);
    if (absent(doc) || !isRecord(doc)) {
        return [];
    }
    const problems: string[] = [];
    if (!absent(doc.Version) && doc.Version !== "2012-10-17" && doc.Version !== "2008-10-17") {
        problems.push(`Version ${got(doc.Version, '"2012-10-17" (or the older "2008-10-17")')}`);
    }
    if (absent(doc.Statement)) {
        problems.push("Statement is required but absent");
    }
    items(doc.Statement).forEach((statement, i) => {
        if (!isRecord(statement)) {
            problems.push(`Statement[${i}] ${got(statement, "an object")}`);
            return;
        }
        if (absent(statement.Effect)) {
            problems.push(`Statement[${i}].Effect is required but absent`);
        } else if (statement.Effect !== "Allow" && statement.Effect !== "Deny") {
            problems.push(`Statement[${i}].Effect ${got(statement.Effect, "Allow or Deny (case sensitive)")}`);
        }
    });
    return problems;
}
