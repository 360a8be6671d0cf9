/** The Pulumi program of `pulumi up` for prod and dev: config → settings → environment. */
import { loadSettings } from "./config";
import { deployEnvironment } from "./environment";

export = deployEnvironment(loadSettings());
