# shellcheck shell=bash
#
# scripts/lib/java.sh — make sure JAVA_HOME points to a JDK >= 21 (Inlet builds for the Lambda java21 runtime).
#
# Source it from bash:   source "$ROOT/scripts/lib/java.sh"
#
# Order of preference:
#   1. JAVA_HOME, if it already is a JDK >= 21;
#   2. the `java` on PATH, if it belongs to a JDK >= 21;
#   3. the newest JDK >= 21 in the usual places: /usr/lib/jvm/*, /usr/lib64/jvm/*, /usr/java/*, /opt/java/*,
#      /opt/homebrew/opt/openjdk*, /usr/local/opt/openjdk*, /Library/Java/JavaVirtualMachines/*/Contents/Home,
#      ~/Library/Java/JavaVirtualMachines/*/Contents/Home, ~/.sdkman/candidates/java/*, ~/.jdks/*, ~/.asdf/installs/java/*;
#   4. otherwise: print what was found and how to install a JDK, then exit 1 (return 1 in an interactive shell).
#
# On success it exports JAVA_HOME, puts "$JAVA_HOME/bin" first on PATH, exports INLET_JAVA_MAJOR (e.g. 25), and prints
# nothing unless INLET_VERBOSE=1. INLET_JAVA_MIN overrides the minimum major version (default 21).
# Safe under `set -euo pipefail`. Reads $JDK/release where it can, so it usually starts no JVM at all.

# Prints the feature ("major") version of a version string: 17.0.15 -> 17, 21 -> 21, 25.0.1 -> 25,
# 1.8.0_392 -> 8, 21-ea -> 21, 22+36 -> 22. Prints nothing for an unparsable string.
inlet_java__major_of() {
  local v=${1-}
  if [[ $v =~ ^1\.([0-9]+) ]]; then
    printf '%s\n' "${BASH_REMATCH[1]}"
  elif [[ $v =~ ^([0-9]+) ]]; then
    printf '%s\n' "$((10#${BASH_REMATCH[1]}))"
  fi
}

# True when version $1 is newer than version $2, comparing their numbers in order: 21.0.9 < 21.0.10, 1.8.0_392 < 11.
inlet_java__newer() {
  local a b i x y
  read -r -a a <<<"${1//[!0-9]/ }"
  read -r -a b <<<"${2//[!0-9]/ }"
  for ((i = 0; i < ${#a[@]} || i < ${#b[@]}; i++)); do
    x=$((10#${a[i]:-0})) y=$((10#${b[i]:-0}))
    ((x != y)) || continue
    ((x > y))
    return
  done
  return 1
}

# Prints the full version string of the JDK at $1 ("25.0.1"), or nothing if $1 is not a JDK (java and javac needed:
# Maven compiles, so a JRE will not do).
inlet_java__version_of() {
  local home=${1-} v=
  [[ -n $home && -x $home/bin/java && -x $home/bin/javac ]] || return 0
  if [[ -r $home/release ]]; then
    v=$(sed -n 's/^JAVA_VERSION="\{0,1\}\([^"]*\)"\{0,1\}[[:space:]]*$/\1/p' "$home/release" 2>/dev/null | head -n 1) || v=
  fi
  if [[ -z $v ]]; then
    # e.g. openjdk version "17.0.15" 2025-04-15 | java version "1.8.0_392" | openjdk version "21" 2023-09-19
    v=$("$home/bin/java" -version 2>&1 | sed -n 's/^[^"]* version "\([^"]*\)".*/\1/p' | head -n 1) || v=
  fi
  printf '%s\n' "$v"
}

# Prints the home of the `java` on PATH (following symlinks such as /usr/bin/java -> /etc/alternatives/java), or nothing.
inlet_java__path_home() {
  local java home=
  java=$(command -v java 2>/dev/null) || return 0
  if home=$(readlink -f "$java" 2>/dev/null); then
    home=${home%/bin/java}
    [[ $home == "$java" || $home == "" ]] && home=
    [[ -n $home && -x $home/bin/javac ]] || home=
  fi
  if [[ -z $home ]]; then
    # macOS stubs and other indirections: ask the JVM itself.
    home=$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^[[:space:]]*java\.home = //p' | head -n 1) || home=
    [[ -n $home && ! -x $home/bin/javac && -x $home/../bin/javac ]] && home=$(cd "$home/.." && pwd)  # JDK 8's jre/
  fi
  printf '%s\n' "$home"
}

inlet_java__select() {
  local min=${INLET_JAVA_MIN:-21} found=() candidates=() dir home v major reason=
  local best_home='' best_version='' best_major=0

  # 1. JAVA_HOME as given.
  if [[ -n ${JAVA_HOME-} ]]; then
    v=$(inlet_java__version_of "$JAVA_HOME"); major=$(inlet_java__major_of "$v")
    if [[ -n $major ]] && ((major >= min)); then
      best_home=$JAVA_HOME best_version=$v best_major=$major reason="JAVA_HOME"
    else
      found+=("JAVA_HOME=$JAVA_HOME: ${v:-not a JDK (no bin/java and bin/javac)}")
    fi
  fi

  # 2. java on PATH.
  if [[ -z $best_home ]]; then
    home=$(inlet_java__path_home)
    if [[ -n $home ]]; then
      v=$(inlet_java__version_of "$home"); major=$(inlet_java__major_of "$v")
      if [[ -n $major ]] && ((major >= min)); then
        best_home=$home best_version=$v best_major=$major reason="java on PATH"
      else
        found+=("java on PATH ($(command -v java)) -> $home: ${v:-not a JDK}")
      fi
    elif command -v java >/dev/null 2>&1; then
      found+=("java on PATH ($(command -v java)): could not tell its JDK home")
    else
      found+=("no java on PATH")
    fi
  fi

  # 3. The usual install locations; the newest JDK >= min wins.
  if [[ -z $best_home ]]; then
    local old_nullglob old_noglob
    old_nullglob=$(shopt -p nullglob || true); old_noglob=$([[ $- == *f* ]] && echo 1 || echo 0)
    shopt -s nullglob; set +f
    candidates=(
      /usr/lib/jvm/* /usr/lib64/jvm/* /usr/java/* /opt/java/* /opt/jdk* /opt/homebrew/opt/openjdk*/libexec/openjdk.jdk/Contents/Home
      /usr/local/opt/openjdk*/libexec/openjdk.jdk/Contents/Home
      /Library/Java/JavaVirtualMachines/*/Contents/Home
      "${HOME:-/nonexistent}"/Library/Java/JavaVirtualMachines/*/Contents/Home
      "${HOME:-/nonexistent}"/.sdkman/candidates/java/* "${HOME:-/nonexistent}"/.jdks/*
      "${HOME:-/nonexistent}"/.asdf/installs/java/*
    )
    eval "$old_nullglob"; [[ $old_noglob == 1 ]] && set -f
    if [[ -x /usr/libexec/java_home ]]; then  # macOS' own registry of JDKs
      home=$(/usr/libexec/java_home -v "$min+" 2>/dev/null) && candidates+=("$home")
    fi
    local seen=" "
    # (the ${a[@]+"${a[@]}"} form: macOS' bash 3.2 calls an empty array unbound under set -u)
    for dir in ${candidates[@]+"${candidates[@]}"}; do
      [[ -d $dir ]] || continue
      home=$(cd "$dir" 2>/dev/null && pwd -P) || continue
      [[ $seen == *" $home "* ]] && continue
      seen+="$home "
      v=$(inlet_java__version_of "$home")
      [[ -n $v ]] || continue
      major=$(inlet_java__major_of "$v")
      [[ -n $major ]] || continue
      if ((major < min)); then
        found+=("$home: $v")
        continue
      fi
      # Newest: highest major, then highest full version.
      if ((major > best_major)) || { ((major == best_major)) && inlet_java__newer "$v" "$best_version"; }; then
        best_home=$home best_version=$v best_major=$major reason="found in a usual install location"
      fi
    done
  fi

  if [[ -z $best_home ]]; then
    {
      echo "error: Inlet needs a JDK $min or newer (it builds for the AWS Lambda java21 runtime), and none was found."
      echo "Looked at JAVA_HOME, the java on PATH, /usr/lib/jvm, /opt/java, /Library/Java/JavaVirtualMachines,"
      # shellcheck disable=SC2088 # a literal ~ for the reader
      echo '~/.sdkman/candidates/java and ~/.jdks. Found:'
      if ((${#found[@]})); then printf '  - %s\n' "${found[@]}"; else echo "  (no JDK at all)"; fi
      echo "Install a JDK $min or newer, then run this again (or set JAVA_HOME to it), for example:"
      echo "  Debian/Ubuntu:  sudo apt-get install openjdk-21-jdk      (or temurin-21-jdk from Adoptium's apt repository)"
      echo "  Fedora/RHEL:    sudo dnf install java-21-openjdk-devel"
      echo "  macOS:          brew install --cask temurin@21"
      echo "  SDKMAN:         sdk install java 21-tem"
      echo "  Any OS:         Eclipse Temurin from https://adoptium.net/temurin/releases/?version=21"
    } >&2
    return 1
  fi

  JAVA_HOME=$best_home
  INLET_JAVA_MAJOR=$best_major
  export JAVA_HOME INLET_JAVA_MAJOR
  case ":$PATH:" in
    ":$JAVA_HOME/bin:"*) ;;
    *) PATH="$JAVA_HOME/bin:$PATH" ;;
  esac
  export PATH
  if [[ ${INLET_VERBOSE:-0} == 1 ]]; then
    echo "java.sh: using JDK $best_version at $JAVA_HOME ($reason)" >&2
    if ((${#found[@]})); then printf 'java.sh:   passed over: %s\n' "${found[@]}" >&2; fi
  fi
  return 0
}

if ! inlet_java__select; then
  # A script (or `bash -c`) stops here; an interactive shell that sourced this file is left open.
  if [[ $- == *i* ]]; then return 1; else exit 1; fi
fi
