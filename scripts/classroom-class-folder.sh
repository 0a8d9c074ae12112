#!/usr/bin/env bash
# The class folder `check-exercise --class` grades, from the students' repositories that
# `gh classroom clone student-repos` cloned (the instructor's workflow, templates/classroom/
# grade-class.yml):  classroom-class-folder.sh REPOS CLASS udp|tcp
# Every git repository under REPOS (at any depth up to 3) becomes CLASS/<repository name>/ with
# its notebooks/03-balcony-<protocol>-juliet.ipynb and -romeo.ipynb and the notebooks/*.ts beside
# them. A repository without them still gets its folder (empty), so the grades list the student,
# as "could not be checked", rather than leave them out.
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: classroom-class-folder.sh REPOS CLASS udp|tcp" >&2; exit 2; }
repos="$1" class="$2" protocol="$3"
case "$protocol" in udp|tcp) ;; *) echo "classroom-class-folder.sh: protocol must be udp or tcp, not '$protocol'" >&2; exit 2 ;; esac
[ -d "$repos" ] || { echo "classroom-class-folder.sh: no folder $repos" >&2; exit 1; }
mkdir -p "$class"
count=0
while IFS= read -r -d '' git; do
  repo="$(dirname "$git")"
  student="$(basename "$repo")"
  mkdir -p "$class/$student"
  for host in juliet romeo; do
    nb="$repo/notebooks/03-balcony-$protocol-$host.ipynb"
    [ -f "$nb" ] && cp "$nb" "$class/$student/"
  done
  for ts in "$repo"/notebooks/*.ts; do [ -f "$ts" ] && cp "$ts" "$class/$student/"; done
  count=$((count + 1))
done < <(find "$repos" -maxdepth 3 -name .git -print0 | sort -z)
echo "classroom-class-folder.sh: $count repositories into $class/"
[ "$count" -gt 0 ] || { echo "classroom-class-folder.sh: no git repository under $repos" >&2; exit 1; }
