# jvmm jail, step 2 of 3 (step 1: `jvmm jail` on the host; step 3: `jvmm jail-init` in the JVM it execs).
# Run by `unshare --mount --pid --ipc --uts [--net] --fork` as root and as PID 1 of the new PID namespace,
# in a private copy of the host's mount table: builds the jail's tree. Every mount made here exists only
# in this namespace and goes with it; on the host the jail directory holds only empty mount points.
#   $1 ROOT  $2 UID  $3 GID, then triples KIND SOURCE TARGET (TARGET relative to ROOT), then --, then the
#   command to exec (the JVM). KIND: ro / rw (bind mount, nosuid,nodev), dev (a character device MAJ:MIN
#   owned by UID, mode 600), chr (a character device MAJ:MIN, mode 666).
set -u
root=$1 uid=$2 gid=$3
shift 3
fail() { echo "jvmm: jail: $*" >&2; exit 1; }

# No mount made below may propagate back to the host's namespace.
mount --make-rprivate / || fail "cannot make this mount namespace private (mount --make-rprivate /)"
# pivot_root needs the new root to be a mount point.
mount --bind "$root" "$root" || fail "cannot bind-mount $root onto itself"
mkdir -p "$root/dev" "$root/proc" && mkdir -m 700 "$root/tmp" "$root/run" && chown "$uid:$gid" "$root/tmp" "$root/run" \
  || fail "cannot make /dev, /proc, /tmp and /run in $root"
# Device nodes live on a small tmpfs of the namespace: none is ever left on the host's disk.
mount -t tmpfs -o nosuid,noexec,mode=755,size=64k jvmm-dev "$root/dev" || fail "cannot mount a tmpfs on $root/dev"

while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
  kind=$1 src=$2 dst=$root$3
  shift 3
  case $kind in
    ro|rw)
      if [ -d "$src" ]; then mkdir -p "$dst"; else mkdir -p "${dst%/*}" && : > "$dst"; fi \
        || fail "cannot make the mount point $dst"
      opts=nosuid,nodev
      [ "$kind" = rw ] || opts=ro,$opts
      mount --bind -o "$opts" "$src" "$dst" || fail "cannot bind-mount $src on $dst"
      ;;
    dev|chr)
      mkdir -p "${dst%/*}" || fail "cannot make ${dst%/*}"
      if [ "$kind" = dev ]; then
        mknod -m 600 "$dst" c "${src%:*}" "${src#*:}" && chown "$uid:$gid" "$dst"
      else
        mknod -m 666 "$dst" c "${src%:*}" "${src#*:}"
      fi || fail "cannot make the device node $dst ($src)"
      ;;
    *) fail "unknown entry kind $kind" ;;
  esac
done
[ "$#" -gt 0 ] && shift
mount -o remount,ro,bind "$root/dev" 2>/dev/null || mount -o remount,ro "$root/dev" || fail "cannot make $root/dev read-only"
# /proc of the new PID namespace: the VMM sees only its own process.
mount -t proc -o nosuid,nodev,noexec proc "$root/proc" || fail "cannot mount /proc in $root"
exec "$@"
