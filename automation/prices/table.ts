/**
 * The price table an estimate uses: `prices/<region>.json` beside the stack files (written by
 * `vnv prices refresh`), else the committed `prices/us-east-1.json`, said as another region's.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { type PriceTable, PriceTableError, parsePriceTable } from "../../rules/prices";
import { OperationError } from "../errors";

/** The committed snapshot's region. */
export const SNAPSHOT_REGION = "us-east-1";
/** A table is a few hundred bytes; a file far larger is no table of ours. */
const MAX_BYTES = 64 * 1024;

export interface LoadedTable {
    readonly table: PriceTable;
    readonly file: string;
    /** The table is another region's: the region has none of its own yet. */
    readonly substitute: boolean;
}

/** `prices/<region>.json` under `dir`. */
export function tableFile(dir: string, region: string): string {
    return path.join(dir, "prices", `${region}.json`);
}

/** The table for `region` (or the snapshot's, said), or undefined when `dir` has neither. */
export function priceTableFor(dir: string, region: string): LoadedTable | undefined {
    for (const [file, substitute] of [
        [tableFile(dir, region), false],
        [tableFile(dir, SNAPSHOT_REGION), region !== SNAPSHOT_REGION],
    ] as const) {
        if (fs.existsSync(file)) {
            return { table: readTable(file), file, substitute };
        }
    }
    return undefined;
}

/** A table file, read strictly (a file of the repository, still outside input). */
export function readTable(file: string): PriceTable {
    const size = fs.statSync(file).size;
    if (size > MAX_BYTES) {
        throw new OperationError(`${file} is ${size} bytes: not a price table (at most ${MAX_BYTES})`);
    }
    let value: unknown;
    try {
        value = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch {
        throw new OperationError(`${file} is not JSON: \`vnv prices refresh\` writes it again`);
    }
    try {
        return parsePriceTable(value, file);
    } catch (e) {
        throw e instanceof PriceTableError ? new OperationError(`${e.message}; \`vnv prices refresh\` writes it again`) : e;
    }
}

/** The table as the file `vnv prices refresh` writes: four-space JSON, a final newline. */
export function writeTable(file: string, table: PriceTable): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(table, null, 4)}\n`);
}
