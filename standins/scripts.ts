/**
 * The programs of the stand-in images: busybox sh scripts. They write only under /tmp and /data
 * (the root file system may be read-only, as ECS.5 asks and the Docker environment runs it), and
 * run as nobody (65534).
 */

/**
 * An HTTP service: writes its pages under /tmp/www from the environment (the service and version
 * the image was made for, and the values of the variables STANDIN_SHOW_ENV names), then serves
 * them with busybox httpd on $PORT: `/health` (`ok`), `/version`, and `/` naming all of them.
 */
export const HTTP_SCRIPT = `#!/bin/sh
# vnv stand-in HTTP service (busybox httpd). Pages are written at start, under /tmp.
set -eu
www=/tmp/www
mkdir -p "$www"
esc() { printf '%s' "$1" | sed -e 's/&/\\&amp;/g' -e 's/</\\&lt;/g' -e 's/>/\\&gt;/g' -e 's/"/\\&quot;/g'; }
printf 'ok' > "$www/health"
printf '%s\\n' "$STANDIN_VERSION" > "$www/version"
{
    printf '<!doctype html>\\n<html><head><meta charset="utf-8"><title>%s %s</title></head><body>\\n' "$(esc "$STANDIN_SERVICE")" "$(esc "$STANDIN_VERSION")"
    printf '<h1 id="service">%s</h1>\\n<p>version <span id="version">%s</span></p>\\n<ul>\\n' "$(esc "$STANDIN_SERVICE")" "$(esc "$STANDIN_VERSION")"
    for name in \${STANDIN_SHOW_ENV:-}; do
        case "$name" in '' | [0-9]* | *[!A-Za-z0-9_]*) continue ;; esac
        eval "isset=\\\${$name+x} value=\\\${$name-}"
        if [ -z "$isset" ]; then shown='(unset)'; else shown=$(esc "$value"); fi
        printf '<li><code>%s</code>: <span id="env-%s">%s</span></li>\\n' "$name" "$name" "$shown"
    done
    printf '</ul>\\n</body></html>\\n'
} > "$www/index.html"
echo "stand-in $STANDIN_SERVICE $STANDIN_VERSION: serving $www on port $PORT" >&2
exec httpd -f -v -p "$PORT" -h "$www"
`;

/**
 * A database stand-in (for Neo4j in tests): at its first start it writes the time into
 * /data/created (a volume: a later container on the same volume finds it), then answers every TCP
 * connection on $PORT with that file. busybox has two nc programs: the small one keeps listening
 * with `-ll`, the full one with `-lk`; the script asks which one it has.
 */
export const DATABASE_SCRIPT = `#!/bin/sh
# vnv stand-in database: persistence evidence in /data/created, served over TCP.
set -eu
if ! ( : > /data/.writable ) 2>/dev/null; then
    echo "stand-in $STANDIN_SERVICE: /data is not writable by uid $(id -u): mount a volume there" >&2
    exit 1
fi
rm -f /data/.writable
if [ ! -f /data/created ]; then
    # As Neo4j sets its initial password from NEO4J_AUTH at its first start, and keeps it.
    if [ -n "\${NEO4J_AUTH:-}" ]; then
        (umask 077; printf '%s' "$NEO4J_AUTH" > /data/auth)
    fi
    date -u +%Y-%m-%dT%H:%M:%SZ > /data/created.part
    mv /data/created.part /data/created
fi
echo "stand-in $STANDIN_SERVICE $STANDIN_VERSION: data created $(cat /data/created), served on port $PORT" >&2
if nc --help 2>&1 | grep -q -e '-ll'; then
    exec nc -ll -p "$PORT" -e cat /data/created
fi
exec nc -lk -p "$PORT" -e cat /data/created
`;

/**
 * \`cypher-shell -a ADDRESS -u USER -p PASSWORD QUERY\` of the stand-in database: succeeds when
 * the database answers on its port and USER/PASSWORD is the password it was first started with
 * (so the real Neo4j health check vnv gives the database works on the stand-in, and a client
 * holding another password is refused, as Neo4j refuses it).
 */
export const CYPHER_SHELL_SCRIPT = `#!/bin/sh
set -u
user=""; password=""
while [ $# -gt 0 ]; do
    case "$1" in
        -u) user="$2"; shift 2 ;;
        -p) password="$2"; shift 2 ;;
        -a) shift 2 ;;
        *) shift ;;
    esac
done
test "$(nc 127.0.0.1 "$PORT" </dev/null)" = "$(cat /data/created)" || { echo "database not answering" >&2; exit 1; }
if [ -f /data/auth ] && [ "$(cat /data/auth)" != "$user/$password" ]; then
    echo "The client is unauthorized due to authentication failure." >&2
    exit 1
fi
echo 1
`;

/** The database's health: its data exists and its port answers with it. */
export const DATABASE_HEALTH = `test -f /data/created && test "$(nc 127.0.0.1 "$PORT" </dev/null)" = "$(cat /data/created)"`;

/**
 * The S3 API (versitygw, posix backend): buckets under /data/buckets, object metadata in sidecar
 * files under $VGW_META_SIDECAR (not extended attributes, which not every file system of a Docker
 * volume keeps), both made if the volume is new.
 */
export const S3API_SCRIPT = `#!/bin/sh
# vnv S3 API: versitygw over the directories of /data.
set -eu
mkdir -p /data/buckets "$VGW_META_SIDECAR"
exec /usr/local/bin/versitygw "$@"
`;

/**
 * A dataset (rules/datasets.ts's contract): run with no argument, it copies its files (/dataset)
 * into $VNV_DATA_PATH/graph and writes the marker $VNV_DATA_PATH/.vnv-dataset last, or does
 * nothing when the marker is there; run with `dump`, it copies $VNV_DATA_PATH/graph into
 * $VNV_DUMP_PATH. A stand-in for a Neo4j dataset image (`neo4j-admin database load|dump`).
 */
export const DATASET_SCRIPT = `#!/bin/sh
# vnv stand-in dataset: load /dataset into the data volume once, or dump it.
set -eu
data="\${VNV_DATA_PATH:?}"
case "\${1:-load}" in
load)
    if [ -f "$data/.vnv-dataset" ]; then
        echo "dataset: $data holds the dataset $(cat "$data/.vnv-dataset") already, nothing loaded" >&2
        exit 0
    fi
    rm -rf "$data/graph"
    mkdir -p "$data/graph"
    cp -R /dataset/. "$data/graph/"
    printf '%s' "\${VNV_DATASET_DIGEST:-unknown}" > "$data/.vnv-dataset.part"
    mv "$data/.vnv-dataset.part" "$data/.vnv-dataset"
    echo "dataset: loaded \${VNV_DATASET:-?} into $data" >&2
    ;;
dump)
    out="\${VNV_DUMP_PATH:?}"
    test -d "$data/graph" || { echo "dataset: $data/graph does not exist: nothing to dump" >&2; exit 1; }
    cp -R "$data/graph/." "$out/"
    echo "dataset: dumped $data/graph into $out" >&2
    ;;
*)
    echo "dataset: unknown command $1 (load or dump)" >&2
    exit 2
    ;;
esac
`;

/** What busybox applets the images link in /bin (what the scripts and health checks call). */
export const APPLETS = [
    "cat",
    "cp",
    "date",
    "echo",
    "env",
    "grep",
    "httpd",
    "id",
    "ln",
    "ls",
    "mkdir",
    "mv",
    "nc",
    "printf",
    "ps",
    "rm",
    "sed",
    "sh",
    "sleep",
    "test",
    "wget",
] as const;

/** An HTML text with &, <, >, " escaped. */
export function escapeHtml(text: string): string {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
