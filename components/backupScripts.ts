/**
 * Shell scripts the backup CronJobs run, mounted from a ConfigMap. Credentials come from the
 * environment (REDISCLI_AUTH), never from the command line. PostgreSQL's backup is no script:
 * it is `mcp-ops postgres backup` (see postgresBackupCommand).
 */

/**
 * Redis: BGSAVE, then wait until LASTSAVE moves past its value before the save and the last
 * save reports ok; a save already in progress is waited for instead of failing. Then the
 * snapshot is copied over the replication protocol (the only way to read it from another pod).
 */
export const REDIS_BACKUP_SCRIPT = `#!/bin/sh
set -eu
cli() { redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" "$@"; }
# A job's new pod may wait seconds for the network policies that let it reach the store, and the
# store may be restarting: ask until it answers, for at most STORE_REACH_SECONDS.
waited=0
until [ "$(cli PING 2>&1)" = PONG ]; do
  if [ "$waited" -ge "\${STORE_REACH_SECONDS:-60}" ]; then
    echo "Redis at $REDIS_HOST:$REDIS_PORT did not answer within \${STORE_REACH_SECONDS:-60}s: $(cli PING 2>&1)" >&2
    exit 1
  fi
  sleep 1
  waited=$((waited + 1))
done
before=$(cli LASTSAVE)
reply=$(cli BGSAVE 2>&1 || true)
case "$reply" in
  *"Background saving started"*|*"already in progress"*|*"scheduled"*) ;;
  *) echo "BGSAVE refused: $reply" >&2; exit 1 ;;
esac
deadline=$(( $(date +%s) + \${BGSAVE_TIMEOUT_SECONDS:-900} ))
while [ "$(cli LASTSAVE)" = "$before" ] || cli INFO persistence | grep -q '^rdb_bgsave_in_progress:1'; do
  if [ "$(date +%s)" -ge "$deadline" ]; then echo "BGSAVE did not finish within \${BGSAVE_TIMEOUT_SECONDS:-900}s" >&2; exit 1; fi
  sleep 1
done
status=$(cli INFO persistence | tr -d '\\r' | sed -n 's/^rdb_last_bgsave_status://p')
if [ "$status" != "ok" ]; then echo "BGSAVE failed: rdb_last_bgsave_status=$status" >&2; exit 1; fi
mkdir -p "$OUT_DIR"
file="$OUT_DIR/redis-$(date -u +%Y%m%dT%H%M%SZ).rdb"
cli --rdb "$file"
test -s "$file"
echo "redis backup written: $file ($(wc -c < "$file") bytes)"
`;

/** Uploads what the dump step wrote; retention is the bucket's lifecycle rule. */
export const S3_UPLOAD_SCRIPT = `#!/bin/sh
set -eu
for file in "$OUT_DIR"/*; do
  aws s3 cp --only-show-errors "$file" "s3://$BUCKET/$PREFIX/$(basename "$file")"
  echo "uploaded s3://$BUCKET/$PREFIX/$(basename "$file")"
done
`;

/**
 * The drill's first step with the bucket as destination: copies the store's newest backup (and its
 * manifest, when it has one) into OUT_DIR for `mcp-ops backup drill --dir`.
 */
export const S3_FETCH_NEWEST_SCRIPT = `#!/bin/sh
set -eu
key=$(aws s3api list-objects-v2 --bucket "$BUCKET" --prefix "$PREFIX/" --output text \\
  --query 'reverse(sort_by(Contents[?!ends_with(Key, \`".json"\`)], &LastModified))[0].Key')
if [ -z "$key" ] || [ "$key" = None ]; then echo "no backup under s3://$BUCKET/$PREFIX/ to drill" >&2; exit 1; fi
aws s3 cp --only-show-errors "s3://$BUCKET/$key" "$OUT_DIR/"
aws s3 cp --only-show-errors "s3://$BUCKET/$key.json" "$OUT_DIR/" 2>/dev/null || echo "$key has no manifest"
echo "fetched s3://$BUCKET/$key"
`;

/** Volume destination: keeps the new file and deletes those older than the retention. */
export const VOLUME_PRUNE_SCRIPT = `#!/bin/sh
set -eu
find "$OUT_DIR" -type f -mtime +"$RETENTION_DAYS" -print -delete
echo "kept $(find "$OUT_DIR" -type f | wc -l) backups in $OUT_DIR"
`;
