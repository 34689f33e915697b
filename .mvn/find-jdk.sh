# shellcheck shell=sh
# Sourced by ./mvnw and ./jvmm: points JAVA_HOME at a JDK >= 25.
# Order: JAVA_HOME if it is >= 25, else the newest /usr/lib/jvm/* that is >= 25.
# On failure prints one line and exits 2 (this machine's default `java` is 17).

jvmm_java_feature() { # $1 = JDK home; prints its feature release (17, 25, ...) or nothing
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  if [ -r "$1/release" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release"
  else
    "$1/bin/java" -version 2>&1 | sed -n '1s/.*version "\([0-9]*\).*/\1/p'
  fi
}

jvmm_find_jdk() {
  if [ -n "${JAVA_HOME:-}" ]; then
    v=$(jvmm_java_feature "$JAVA_HOME")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then return 0; fi
  fi
  best= bestv=0 noglob=
  case $- in *f*) noglob=1; set +f ;; esac  # ./mvnw runs with `set -f`
  for d in /usr/lib/jvm/*; do
    [ -d "$d" ] || continue
    v=$(jvmm_java_feature "$d")
    if [ -n "$v" ] && [ "$v" -ge 25 ] && [ "$v" -gt "$bestv" ]; then best=$d bestv=$v; fi
  done
  [ -z "$noglob" ] || set -f
  if [ -z "$best" ]; then
    echo "jvmm: no JDK 25 or newer found (JAVA_HOME=${JAVA_HOME:-unset}, none in /usr/lib/jvm); install one, e.g. temurin-25-jdk, or set JAVA_HOME" >&2
    exit 2
  fi
  JAVA_HOME=$best
  export JAVA_HOME
}

jvmm_find_jdk
