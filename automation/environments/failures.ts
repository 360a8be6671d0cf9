/** The failure texts of the environments library, each written once. */
import type { AuthOutcome } from "./authOwner";
import { type HealthReport, UnhealthyError } from "./health";

/** Why an update that ran did not do what was asked: unhealthy, or its redirect list not updated. */
export function updateFailure(health: HealthReport | undefined, auth: AuthOutcome | undefined): string | undefined {
    if (health !== undefined && !health.healthy) {
        return new UnhealthyError(health).message;
    }
    if (auth !== undefined && !auth.ok) {
        return redirectListNotUpdated(auth.error);
    }
    return undefined;
}

/** The redirect list of the shared application could not be brought in line. */
export function redirectListNotUpdated(error: string): string {
    return `the redirect list of the shared application was not updated (the next up, down or reap retries): ${error}`;
}
