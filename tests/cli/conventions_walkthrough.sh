#!/bin/sh
# The command line's conventions (issue 17) through the real `inspectsync`
# binary and a TLS server: every command's --help exits 0 with its own usage,
# a flag a command does not take is an error that changes nothing, sites,
# zones and users are named by code or id (an unknown one is an error naming
# it), durations need a unit, tokens are refused for people the users
# directory does not know, and Chinese text is never cut inside a character
# and lines up by display width.
# Usage: conventions_walkthrough.sh PATH/TO/inspectsync
set -eu
I=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
. "$(dirname "$0")/lib.sh"

# Every command's --help: exit 0, its own usage, no internal names.
for cmd in "" server tablet "tablet finding add" "tablet finding edit" "tablet sync" "tablet rejected" \
    "tablet zone add" "tablet site add" "tablet assign" "tablet unassign" "tablet inspect start" \
    "tablet inspect answer" "admin" "admin token issue" "admin token revoke" "admin key remove" \
    "admin import" "admin template publish" "admin campaign create" "admin sample draw" "admin notice issue" \
    "admin problems" "admin report" "admin watch" "admin consumers" "admin findings" "admin export" \
    "admin summary" "admin conflicts list" "admin conflicts resolve" "admin webhook add" \
    "admin webhook deliveries" "admin webhook redeliver" "certs init" demo; do
  rc=0
  # shellcheck disable=SC2086
  "$I" $cmd --help > help.txt 2> help.err || rc=$?
  [ $rc -eq 0 ] || fail "'$cmd --help' exits $rc: $(cat help.err)"
  grep -q "Usage: inspectsync $cmd" help.txt || fail "'$cmd --help' is not its usage: $(head -3 help.txt)"
  if grep -Eiq "issue [0-9]|ServerOptions|IntegrationService|Client::|core::" help.txt; then
    fail "'$cmd --help' names internals: $(grep -Ei "issue [0-9]|ServerOptions|IntegrationService|Client::|core::" help.txt)"
  fi
done
"$I" --help | grep -q "3 synced, but the server refused some edits" || fail "the exit codes are not in the usage"

# A flag the command does not take: exit 2 naming it, nothing written.
rc=0; "$I" tablet --db t.db zone add --name North --severity 3 2> bad.err || rc=$?
[ $rc -eq 2 ] && grep -q -- "--severity" bad.err || fail "zone add --severity exits $rc: $(cat bad.err)"
[ -z "$("$I" tablet --db t.db zone list)" ] || fail "a refused command line created a zone"
rc=0; "$I" tablet --db t.db finding list --bogus 2> bad.err || rc=$?
[ $rc -eq 2 ] && grep -q -- "--bogus" bad.err || fail "an unknown flag exits $rc: $(cat bad.err)"
rc=0; "$I" admin import zones 2> bad.err || rc=$?
[ $rc -eq 2 ] && grep -q "FILE" bad.err || fail "a missing positional exits $rc: $(cat bad.err)"

start_server
"$I" admin token issue --user u-office --role office --device office-pc --keys keys > office.tok
O="--db office.db --server $ADDR --ca certs/ca.pem --token-file office.tok"
printf 'code,name\nN,北区\nS,南区\n' > zones.csv
printf 'code,name,kind,zone\nPS-1,第一实验小学附属幼儿园东校区分园,PRIMARY_SCHOOL,N\nKG-1,Sunflower KG,KINDERGARTEN,S\n' > sites.csv
printf 'code,name,role\nli,李娜,inspector\n' > users.csv
printf 'user,site,zone\nli,PS-1,\n' > assignments.csv
"$I" admin import zones zones.csv $O > /dev/null || fail "zones import"
"$I" admin import sites sites.csv $O > /dev/null || fail "sites import"
"$I" admin import users users.csv $O > users.out || fail "users import"
LI=$(awk '$1 == "li" { print $2 }' users.out)
"$I" admin import assignments assignments.csv $O > /dev/null || fail "assignments import"

# Durations need a unit; --ttl 30 is not 30 seconds.
rc=0; "$I" admin token issue --user li --role inspector --device t --ttl 30 --keys keys --db s.db > t.tok 2> bad.err || rc=$?
[ $rc -eq 2 ] && grep -q "'30'" bad.err && [ ! -s t.tok ] || fail "--ttl 30 exits $rc: $(cat bad.err)"
# Unknown users are refused; a code resolves to the user's id.
rc=0; "$I" admin token issue --user nobody --role inspector --device t --keys keys --db s.db > t.tok 2> bad.err || rc=$?
[ $rc -eq 1 ] && grep -q "no user 'nobody'" bad.err && [ ! -s t.tok ] || fail "an unknown user's token ($rc): $(cat bad.err)"
rc=0; "$I" admin token issue --user li --role office --device t --keys keys --db s.db > t.tok 2> bad.err || rc=$?
[ $rc -eq 1 ] && grep -q "is inspector" bad.err && [ ! -s t.tok ] || fail "a token with the wrong role ($rc): $(cat bad.err)"
"$I" admin token issue --user li --role inspector --device tab-li --ttl 12h --keys keys --db s.db > li.tok ||
  fail "a token by user code"
"$I" admin token show --token-file li.tok | grep -q "user      $LI" || fail "the code did not resolve to the user id"

# Codes and ids name the same site; an unknown one is an error naming it.
L="--server $ADDR --ca certs/ca.pem --token-file li.tok"
"$I" tablet --db li.db $L sync > /dev/null || fail "first sync"
TITLE="消防通道被杂物堵塞，灭火器过期未检，应急照明损坏，疏散指示标志缺失需立即整改"
F=$("$I" tablet --db li.db finding add --site PS-1 --title "$TITLE" --category 消防安全 --severity high) ||
  fail "finding add by site code"
rc=0; "$I" tablet --db li.db finding add --site NOPE --title x 2> bad.err || rc=$?
[ $rc -eq 1 ] && grep -q "no site 'NOPE'" bad.err || fail "an unknown site ($rc): $(cat bad.err)"
# Input the rules refuse is a failure (1), not a bad command line (2): an
# OPEN finding cannot jump to CLOSED.
rc=0; "$I" tablet --db li.db finding edit "$F" --status closed 2> bad.err || rc=$?
[ $rc -eq 1 ] || fail "a refused status move exits $rc, not 1: $(cat bad.err)"
"$I" tablet --db li.db $L sync | grep -q "rejected 0" || fail "the finding at a site code was refused"

# Every output is valid UTF-8; Chinese cells line up by display width.
valid_utf8() { iconv -f UTF-8 -t UTF-8 "$1" > /dev/null 2>&1 || fail "$1 is not valid UTF-8: $(od -c "$1" | head)"; }
"$I" tablet --db li.db finding list > list.txt
valid_utf8 list.txt
grep -q "~" list.txt || fail "the long title was not truncated: $(cat list.txt)"
"$I" admin problems $O > problems.txt || fail "problems"
valid_utf8 problems.txt
# The finding-id column starts at the same display column in the header and the row.
python3 - problems.txt "$F" <<'PY' || fail "problems columns do not line up: $(cat problems.txt)"
import sys, unicodedata
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
def col(line, text):
    i = line.index(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line[:i])
row = next(l for l in lines if sys.argv[2] in l)
sys.exit(0 if col(lines[0], "FINDING") == col(row, sys.argv[2]) else 1)
PY
"$I" admin findings --server "$ADDR" --ca certs/ca.pem --token-file office.tok > findings.txt || fail "admin findings"
valid_utf8 findings.txt

# Filters naming an unknown zone or site are errors naming the value.
rc=0; "$I" admin problems --zone NOPE $O 2> bad.err || rc=$?
[ $rc -eq 1 ] && grep -q "no zone 'NOPE'" bad.err || fail "problems --zone NOPE ($rc): $(cat bad.err)"
rc=0; "$I" admin report --site NOPE $O 2> bad.err || rc=$?
[ $rc -eq 1 ] && grep -q "no site 'NOPE'" bad.err || fail "report --site NOPE ($rc): $(cat bad.err)"
"$I" admin problems --zone N $O | grep -q "$F" || fail "the zone's code does not filter"

# A new office database syncs before it reads: the zone names are there.
"$I" admin report --db fresh.db --server "$ADDR" --ca certs/ca.pem --token-file office.tok > report.txt ||
  fail "report with a new --db: $(cat report.txt)"
grep -q "北区" report.txt || fail "the report with a new --db did not sync: $(cat report.txt)"
valid_utf8 report.txt
# A conflict line quotes both values cut to 40 columns, never inside a character.
"$I" tablet --db li.db finding edit "$F" --description "灭火器压力表指针在红区，已通知学校后勤部门联系厂家更换，预计下周一完成全部更换工作" > /dev/null
"$I" tablet --db office.db finding edit "$F" --description "学校称灭火器已于上月送检，检验报告尚未送达，请督导员下次检查时核对检验报告原件" > /dev/null
"$I" tablet --db li.db $L sync > /dev/null || fail "li's edit did not sync"
"$I" tablet --db office.db --server "$ADDR" --ca certs/ca.pem --token-file office.tok sync > conflict.txt ||
  fail "the office's sync: $(cat conflict.txt)"
grep -q "conflict findings/.* description" conflict.txt || fail "no conflict line: $(cat conflict.txt)"
grep -q "~" conflict.txt || fail "the conflict's values were not cut: $(cat conflict.txt)"
valid_utf8 conflict.txt
echo "conventions walkthrough: ok"
