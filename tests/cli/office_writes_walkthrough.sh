#!/bin/sh
# The office's work without being a tablet (issue 17), through the real
# `inspectsync` binary and a TLS server: teams created, edited, listed, put on
# a campaign and given sites (by flag and by file), a rectification notice
# issued, listed and shown, a failed then a passed verification, the
# register corrected (a site renamed and moved, a zone renamed, a person
# deactivated, an assignment ended) — every command straight to the server
# with no device database, with Chinese names, and their bad inputs: unknown
# team (exit 1 naming it), bad date and a flag a command does not take (exit
# 2), --help (exit 0). Every human output is valid UTF-8 and shows no id.
# Usage: office_writes_walkthrough.sh PATH/TO/inspectsync
set -eu
I="$1"
. "$(dirname "$0")/lib.sh"
start_server

"$I" admin token issue --user u-office --role office --device office-pc --keys keys > office.tok
S="--server $ADDR --ca certs/ca.pem --token-file office.tok"
mkdir out err
# Runs a command whose output is for people; its stdout and stderr are kept
# in out/NAME.out and out/NAME.err for the checks at the end.
human() {
  name=$1
  shift
  "$@" > "out/$name.out" 2> "out/$name.err" || fail "$name: $(cat "out/$name.err")"
}
# A command that must fail with exit status $2, its stderr containing $3
# and its stdout empty (kept in err/NAME.*).
refused() {
  name=$1 want_rc=$2 want=$3
  shift 3
  rc=0
  "$@" > "err/$name.out" 2> "err/$name.err" || rc=$?
  [ "$rc" -eq "$want_rc" ] || fail "$name: exit $rc, want $want_rc: $(cat "err/$name.err")"
  grep -q -- "$want" "err/$name.err" || fail "$name: no '$want' in: $(cat "err/$name.err")"
  [ ! -s "err/$name.out" ] || fail "$name printed: $(cat "err/$name.out")"
}

# The register, imported through the server; a template and a campaign from
# the office device (not this issue's commands).
printf 'code,name\nE,城东学区\nW,城西学区\n' > zones.csv
printf 'code,name,kind,zone\nPS-1,第一实验小学,primary,E\nPS-2,第二中学,middle,E\nKG-1,向日葵幼儿园,kindergarten,W\n' > sites.csv
printf 'code,name,role\nli,李娜,inspector\nwang,王伟,inspector\n' > users.csv
printf 'id,category,text\nextinguishers,消防安全,灭火器在有效期内\n' > items.csv
for kind in zones sites users; do "$I" admin import $kind $kind.csv $S > /dev/null || fail "import $kind"; done
"$I" admin template publish items.csv --key fire --title 消防检查 --db office.db $S > /dev/null || fail "template"
"$I" admin campaign create --name 冬季专项检查 --kind special --from 2026-01-01 --to 2030-12-31 --template fire \
  --db office.db $S > /dev/null || fail "campaign create"

# Teams: by name wherever a team or campaign is named.
human team-create "$I" admin team create --name 第一督导组 --leader li --member wang --campaign 冬季专项检查 $S
grep -Eq '^[0-9a-f-]{36}$' out/team-create.out || fail "team create did not print the id: $(cat out/team-create.out)"
grep -q "created team 第一督导组: leader 李娜; members 李娜, 王伟; campaign 冬季专项检查" out/team-create.err ||
  fail "team create: $(cat out/team-create.err)"
mv out/team-create.out team.id  # the id, for scripts: not a human output
"$I" admin team create --name 第二督导组 --leader wang $S > /dev/null 2>&1 || fail "second team"
refused team-twice 1 "ALREADY_EXISTS.*第二督导组" "$I" admin team create --name 第二督导组 --leader li $S
human team-edit "$I" admin team edit 第二督导组 --add-member li $S
grep -q "team 第二督导组: leader 王伟; members 王伟, 李娜; no campaign" out/team-edit.out ||
  fail "team edit: $(cat out/team-edit.out)"
refused team-unknown 1 "NOT_FOUND.*'第九督导组'" "$I" admin team edit 第九督导组 --name X $S
refused team-edit-nothing 2 "team edit needs" "$I" admin team edit 第二督导组 $S
human team-campaign "$I" admin team assign-campaign --campaign 冬季专项检查 --team 第二督导组 $S
grep -q "team 第二督导组 now works on campaign 冬季专项检查" out/team-campaign.out ||
  fail "assign-campaign: $(cat out/team-campaign.out)"
human team-sites "$I" admin team assign-sites 第一督导组 --campaign 冬季专项检查 --site PS-1 --site PS-2 $S
grep -q "^2 sites assigned to 第一督导组 for 冬季专项检查$" out/team-sites.out || fail "assign-sites: $(cat out/team-sites.out)"
printf '\357\273\277code\r\nKG-1\r\n\r\n' > kg.txt  # Excel's BOM and CRLF, a header, a blank line
"$I" admin team assign-sites 第二督导组 --campaign 冬季专项检查 --sites-file kg.txt --json $S > kg.json ||
  fail "assign-sites --sites-file"
A=$(grep -o '"assignment_ids":\["[0-9a-f-]*"' kg.json | grep -o '[0-9a-f-]\{36\}') || fail "no assignment id: $(cat kg.json)"
grep -q '"team_name":"第二督导组"' kg.json || fail "--json without the team's name: $(cat kg.json)"
refused sites-bad-date 2 "2026-02-30" "$I" admin team assign-sites 第一督导组 --campaign 冬季专项检查 --site KG-1 \
  --from 2026-02-30 $S
refused sites-unknown-site 1 "'PS-9'" "$I" admin team assign-sites 第一督导组 --campaign 冬季专项检查 --site PS-9 $S
human team-list "$I" admin team list $S
grep -q "第一督导组 *李娜 *李娜, 王伟 *冬季专项检查 *2$" out/team-list.out || fail "team list: $(cat out/team-list.out)"
grep -q "第二督导组 *王伟 *王伟, 李娜 *冬季专项检查 *1$" out/team-list.out || fail "team list: $(cat out/team-list.out)"
"$I" admin team list --json $S | grep -q "\"team_id\":\"$(cat team.id)\".*\"leader_name\":\"李娜\"" ||
  fail "team list --json carries no ids and names"
refused team-list-flag 2 "--site" "$I" admin team list --site PS-1 $S

# Li's tablet receives the team's sites and records two findings at PS-1.
"$I" admin token issue --user li --role inspector --device tablet-li --keys keys --db s.db > li.tok 2>/dev/null
L="--db li.db --server $ADDR --ca certs/ca.pem --token-file li.tok"
"$I" tablet $L sync > /dev/null || fail "li's first sync"
F1=$("$I" tablet --db li.db finding add --site PS-1 --title 灭火器过期 --category 消防安全 --severity high) || fail "F1"
"$I" tablet --db li.db finding add --site PS-1 --title 应急照明损坏 --category 消防安全 > /dev/null || fail "F2"
"$I" tablet $L sync | grep -q "rejected 0" || fail "the findings did not sync"

# A notice, listed and shown.
REF="督字〔2026〕7号"
human notice-issue "$I" admin notice issue --site PS-1 --all-open --ref "$REF" --deadline 2030-06-30 --text 请限期整改 $S
grep -Eq '^[0-9a-f-]{36}$' out/notice-issue.out || fail "notice issue did not print the id"
mv out/notice-issue.out notice.id
grep -q "notice $REF to PS-1 第一实验小学: 2 findings NOTIFIED, deadline 2030-06-30 (.*灭火器过期" out/notice-issue.err ||
  fail "notice issue: $(cat out/notice-issue.err)"
refused notice-bad-date 2 "2030-06-31" "$I" admin notice issue --site PS-2 --all-open --ref X --deadline 2030-06-31 $S
refused notice-past 1 "INVALID_ARGUMENT: deadline_ms .*(2020-01-01 00:00:00Z) is in the past" "$I" admin notice issue \
  --site PS-2 --all-open --ref X --deadline 2020-01-01 $S
refused notice-no-open 1 "FAILED_PRECONDITION.*PS-2" "$I" admin notice issue --site PS-2 --all-open --ref X \
  --deadline 2030-06-30 $S
human notice-list "$I" admin notice list $S
grep -q "$REF *PS-1 第一实验小学 *城东学区 *2030-06-30 OPEN *2" out/notice-list.out || fail "notice list: $(cat out/notice-list.out)"
"$I" admin notice list --zone W $S | grep -q "$REF" && fail "the zone filter let another zone's notice through"
refused notice-list-zone 1 "'NOPE'" "$I" admin notice list --zone NOPE $S
refused notice-list-status 2 "'late'" "$I" admin notice list --status late $S
human notice-show "$I" admin notice show "$REF" $S
grep -q "灭火器过期 *NOTIFIED *2030-06-30" out/notice-show.out || fail "notice show: $(cat out/notice-show.out)"
"$I" admin notice show "$(cat notice.id)" --json $S | grep -q "\"site_code\":\"PS-1\"" || fail "notice show by id --json"
refused notice-show-unknown 1 "'EDU-0'" "$I" admin notice show EDU-0 $S
# One reference at two sites: show asks for the id, naming both sites.
"$I" tablet --db li.db finding add --site PS-2 --title 燃气报警器未检 > /dev/null || fail "F3"
"$I" tablet $L sync | grep -q "rejected 0" || fail "F3 did not sync"
"$I" admin notice issue --site PS-2 --all-open --ref "$REF" --deadline 2030-06-30 $S > /dev/null 2>&1 ||
  fail "the same reference at another site"
refused notice-show-twice 1 "issued to 2 sites" "$I" admin notice show "$REF" $S
grep -q "PS-1 第一实验小学" err/notice-show-twice.err && grep -q "PS-2 第二中学" err/notice-show-twice.err ||
  fail "the two sites are not named: $(cat err/notice-show-twice.err)"

# The school rectifies; the first visit fails (a new deadline), the second passes.
rectify() {
  "$I" tablet $L sync > /dev/null || fail "li's sync"
  for st in in_rectification rectified; do
    "$I" tablet --db li.db finding edit "$F1" --status $st > /dev/null || fail "finding edit --status $st"
  done
  "$I" tablet $L sync | grep -q "rejected 0" || fail "the rectification did not sync"
}
rectify
refused verify-no-deadline 2 "needs --new-deadline" "$I" admin verify "$F1" --result fail $S
refused verify-bad-result 2 "'maybe'" "$I" admin verify "$F1" --result maybe $S
human verify-fail "$I" admin verify "$F1" --result fail --new-deadline 2030-09-30 --note 仍有两瓶过期 $S
grep -q "finding 灭火器过期 at PS-1 第一实验小学 is now REOPENED (deadline 2030-09-30)" out/verify-fail.err ||
  fail "verify fail: $(cat out/verify-fail.err)"
mv out/verify-fail.out verification.id
rectify
human verify-pass "$I" admin verify "$F1" --result pass $S
grep -q "finding 灭火器过期 at PS-1 第一实验小学 is now CLOSED" out/verify-pass.err || fail "verify pass: $(cat out/verify-pass.err)"
mv out/verify-pass.out verification2.id

# Corrections of the register.
human site-rename "$I" admin site correct PS-2 --name 第二中学（新校区） $S
grep -q "^name: 第二中学 -> 第二中学（新校区）$" out/site-rename.out || fail "site correct: $(cat out/site-rename.out)"
human site-same "$I" admin site correct PS-2 --name 第二中学（新校区） $S
grep -q "^no change$" out/site-same.out || fail "the same name again: $(cat out/site-same.out)"
human site-move "$I" admin site correct PS-2 --zone W $S
grep -q "^zone: 城东学区 -> 城西学区$" out/site-move.out || fail "site move: $(cat out/site-move.out)"
refused site-both 2 "not both" "$I" admin site correct PS-2 --deactivate --reactivate $S
human zone-rename "$I" admin zone rename W --name 城西片区 $S
grep -q "^name: 城西学区 -> 城西片区$" out/zone-rename.out || fail "zone rename: $(cat out/zone-rename.out)"
human user-off "$I" admin user deactivate wang $S
grep -q "^active: yes -> no$" out/user-off.out && grep -q "王伟" out/user-off.err || fail "user deactivate: $(cat out/user-off.*)"
refused end-bad-date 2 "--on" "$I" admin assignment end "$A" --on 2026-13-01 $S
human assignment-end "$I" admin assignment end "$A" $S
grep -q "^ends_at: 2030-12-31 -> [0-9-]*$" out/assignment-end.out && grep -q "team 第二督导组 at site 'KG-1'" out/assignment-end.err ||
  fail "assignment end: $(cat out/assignment-end.*)"
refused assignment-again 1 "FAILED_PRECONDITION: assignment of team 第二督导组 .* already ended on" "$I" admin assignment end "$A" $S

# --help of every new command: exit 0, its own usage.
for cmd in "team create" "team edit" "team list" "team assign-campaign" "team assign-sites" "notice issue" \
    "notice list" "notice show" verify "site correct" "zone rename" "user deactivate" "assignment end"; do
  # shellcheck disable=SC2086
  "$I" admin $cmd --help > help.txt || fail "'admin $cmd --help' exits non-zero"
  grep -q "Usage: inspectsync admin $cmd" help.txt || fail "'admin $cmd --help': $(head -2 help.txt)"
  if grep -Eiq "issue [0-9]|OfficeService|Client::|core::" help.txt; then fail "'admin $cmd --help' names internals"; fi
done

# Every output is valid UTF-8; those for people show no record id.
for f in out/* err/*; do
  iconv -f UTF-8 -t UTF-8 "$f" > /dev/null 2>&1 || fail "$f is not valid UTF-8: $(od -c "$f" | head -3)"
done
for f in out/*; do
  if grep -Eq '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}' "$f"; then
    fail "$f shows an id to people: $(cat "$f")"
  fi
done
echo "office writes walkthrough ok"
