#!/bin/sh
# A tablet user sees the edits they lost (issue 17 item 8), through the real
# `inspectsync` binary and a TLS server: two inspectors rewrite a finding's
# description offline in Chinese; after both sync, the one whose text lost
# runs `tablet conflicts` and sees both values, who wrote each and why, by
# names (never a bare id), in valid UTF-8 with aligned columns; an inspector
# of another zone's school sees none; with the server stopped the command
# says so and exits 1.
# Usage: tablet_conflicts_walkthrough.sh PATH/TO/inspectsync
set -eu
I="$1"
. "$(dirname "$0")/lib.sh"
start_server

"$I" admin token issue --user u-office --role office --device office-pc --keys keys > office.tok 2> /dev/null
O="--db office.db --server $ADDR --ca certs/ca.pem --token-file office.tok"
N=$("$I" tablet --db office.db zone add --name 城北片区)
S=$("$I" tablet --db office.db zone add --name 城南片区)
S1=$("$I" tablet --db office.db site add --name 阳光小学 --zone "$N")
S2=$("$I" tablet --db office.db site add --name 河西幼儿园 --zone "$S" --kind kindergarten)
LI=$("$I" tablet --db office.db user add --name 李明 --role inspector)
WANG=$("$I" tablet --db office.db user add --name 王芳 --role inspector)
ZHANG=$("$I" tablet --db office.db user add --name 张伟 --role inspector)
"$I" tablet --db office.db assign --user "$LI" --site "$S1" > /dev/null
"$I" tablet --db office.db assign --user "$WANG" --site "$S1" > /dev/null
"$I" tablet --db office.db assign --user "$ZHANG" --site "$S2" > /dev/null
F=$("$I" tablet --db office.db finding add --site "$S1" --title 灭火器过期 --severity high)
"$I" tablet $O sync > /dev/null || fail "office setup did not sync"

for u in li:"$LI" wang:"$WANG" zhang:"$ZHANG"; do
  "$I" admin token issue --user "${u#*:}" --role inspector --device "tab-${u%%:*}" --keys keys > "${u%%:*}.tok" 2> /dev/null
done
L="--db li.db --server $ADDR --ca certs/ca.pem --token-file li.tok"
W="--db wang.db --server $ADDR --ca certs/ca.pem --token-file wang.tok"
Z="--db zhang.db --server $ADDR --ca certs/ca.pem --token-file zhang.tok"
"$I" tablet $L sync > /dev/null || fail "li's first sync"
"$I" tablet $W sync > /dev/null || fail "wang's first sync"

# Both rewrite the description offline; Wang's later edit stands.
"$I" tablet --db li.db finding edit "$F" --description "灭火器已全部更换" > /dev/null
"$I" tablet --db wang.db finding edit "$F" --description "三楼灭火器仍未更换" > /dev/null
"$I" tablet $L sync > /dev/null || fail "li's sync"
"$I" tablet $W sync > /dev/null || fail "wang's sync"

"$I" tablet $L conflicts > li.txt || fail "tablet conflicts: $(cat li.txt)"
grep -q "阳光小学" li.txt || fail "the site is not named: $(cat li.txt)"
grep -q "灭火器过期" li.txt || fail "the finding's title is missing: $(cat li.txt)"
grep -q "kept: 三楼灭火器仍未更换 (王芳)" li.txt || fail "the kept value and its author are missing: $(cat li.txt)"
grep -q "lost: 灭火器已全部更换 (李明)" li.txt || fail "the lost value and its author are missing: $(cat li.txt)"
grep -q "the later edit stands" li.txt || fail "no reason why: $(cat li.txt)"
grep -q "^1 conflict" li.txt || fail "not one conflict: $(cat li.txt)"
grep -q '[0-9a-f]\{8\}-[0-9a-f]\{4\}-[0-9a-f]\{4\}-' li.txt && fail "a bare id in human output: $(cat li.txt)"
iconv -f UTF-8 -t UTF-8 li.txt > /dev/null || fail "output is not valid UTF-8"
# Columns line up by display width: FIELD starts at the same column on the
# header (ASCII) and the row (Chinese, two columns a character).
col() { python3 -c 'import sys,unicodedata
line=sys.stdin.readline(); i=line.index(sys.argv[1])
print(sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line[:i]))' "$1"; }
[ "$(sed -n 1p li.txt | col FIELD)" = "$(sed -n 2p li.txt | col description)" ] || fail "columns are not aligned"

# --json carries ids and names.
"$I" tablet $L conflicts --json > li.json
grep -q "\"record_id\":\"$F\"" li.json || fail "no record id in --json: $(cat li.json)"
grep -q '"user_name":"李明"' li.json || fail "no author name in --json: $(cat li.json)"
grep -q '"value":"三楼灭火器仍未更换"' li.json || fail "no kept value in --json"

# Zhang, at the other zone's kindergarten, sees none.
"$I" tablet $Z sync > /dev/null || fail "zhang's sync"
"$I" tablet $Z conflicts > zhang.txt || fail "zhang's tablet conflicts"
grep -q "^0 conflicts" zhang.txt || fail "another zone's conflict leaked: $(cat zhang.txt)"
grep -q "阳光小学" zhang.txt && fail "another zone's site shows: $(cat zhang.txt)"

# Offline: a clear error, exit 1.
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
rc=0; "$I" tablet $L conflicts > off.txt 2> off.err || rc=$?
[ $rc -eq 1 ] || fail "offline tablet conflicts exits $rc, not 1: $(cat off.txt off.err)"
grep -q "cannot reach the sync server" off.err || fail "offline error not clear: $(cat off.err)"
echo "tablet conflicts walkthrough ok"
