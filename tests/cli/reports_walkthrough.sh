#!/bin/sh
# The office's reports (issue 17) through the real `inspectsync` binary and a
# TLS server, straight from ReportService with an office token: a small
# district with Chinese names (two zones, four sites, two inspectors), a spot
# check whose sample covers every site, inspections on two tablets (one site
# visited twice, one inspection where two people disagree, one site never
# visited); then progress, review, subtotals by zone / site / inspector, the
# special report written to a file, one inspection shown; a zone director
# sees their zone only and is refused another, named; unknown zones and
# campaigns are errors naming the value (exit 1) here and on the office's
# lists. Every output is valid UTF-8 and the human ones carry no UUID.
# Usage: reports_walkthrough.sh PATH/TO/inspectsync
set -eu
I="$1"
. "$(dirname "$0")/lib.sh"
start_server

UUID='[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
# For people: valid UTF-8 and no bare id.
human() {
  iconv -f UTF-8 -t UTF-8 "$1" > /dev/null || fail "$1 is not valid UTF-8"
  if grep -Eq "$UUID" "$1"; then fail "$1 shows a UUID: $(grep -E "$UUID" "$1")"; fi
}

"$I" admin token issue --user u-office --role office --device office-pc --keys keys > office.tok
O="--db office.db --server $ADDR --ca certs/ca.pem --token-file office.tok"
R="--server $ADDR --ca certs/ca.pem --token-file office.tok"
printf 'code,name\nDC,东城\nXC,西城\n' > zones.csv
cat > sites.csv <<'CSV'
code,name,kind,zone
S01,东城第一小学,小学,DC
S02,东城实验中学,初中,DC
K01,东城阳光幼儿园,幼儿园,DC
S03,西城第二小学,小学,XC
CSV
printf 'code,name,role\nli,李娜,inspector\nwang,王强,inspector\nzhang,张敏,片区负责人\n' > users.csv
printf 'user,site,zone\nwang,S01,\nwang,S02,\nzhang,,DC\n' > assignments.csv
printf 'id,category,text,default_severity,evidence_required\ni1,防疫物资,防疫物资储备充足且在有效期内,HIGH,false\ni2,消防安全,消防器材在有效期内,MEDIUM,false\n' > items.csv
for k in zones sites users assignments; do "$I" admin import $k $k.csv $O > /dev/null || fail "import $k"; done
"$I" admin template publish items.csv --key epi --title "校园防疫与安全检查表" $O > /dev/null || fail "template publish"
C=$("$I" admin campaign create --name 秋季随机抽查 --kind spot-check --from 2026-01-01 --to 2030-12-31 --template epi $O) ||
  fail "campaign create"
"$I" admin sample draw --campaign "$C" --schools 3 --kindergartens 1 --seed 7 --user li $O > /dev/null 2>&1 ||
  fail "sample draw"

# Li's tablet: S01 (a fail), S02 with Wang (they disagree on i1), S03.
"$I" admin token issue --user li --role inspector --device tablet-li --keys keys --db s.db > li.tok
"$I" admin token issue --user wang --role inspector --device tablet-wang --keys keys --db s.db > wang.tok
L="--server $ADDR --ca certs/ca.pem --token-file li.tok"
W="--server $ADDR --ca certs/ca.pem --token-file wang.tok"
"$I" tablet --db li.db $L sync > /dev/null
IN1=$("$I" tablet --db li.db inspect start --site S01 --campaign "$C" --inspector li)
"$I" tablet --db li.db inspect answer --inspection "$IN1" --item i1 --result pass
F1=$("$I" tablet --db li.db inspect answer --inspection "$IN1" --item i2 --result fail --note "灭火器压力不足")
IN3=$("$I" tablet --db li.db inspect start --site S02 --campaign "$C" --inspector li --inspector wang)
"$I" tablet --db li.db inspect answer --inspection "$IN3" --item i1 --result pass --by li
"$I" tablet --db li.db inspect answer --inspection "$IN3" --item i1 --result fail --by wang --note "消毒液临期" > /dev/null
"$I" tablet --db li.db inspect answer --inspection "$IN3" --item i2 --result pass --by li
IN4=$("$I" tablet --db li.db inspect start --site S03 --campaign "$C" --inspector li)
"$I" tablet --db li.db inspect answer --inspection "$IN4" --item i1 --result fail --note "口罩储备不足三天用量" > /dev/null
"$I" tablet --db li.db inspect answer --inspection "$IN4" --item i2 --result na
"$I" tablet --db li.db inspect show --inspection "$IN3" > tshow.txt
grep -q "S02 东城实验中学 (东城)" tshow.txt && grep -q "inspectors 李娜, 王强" tshow.txt ||
  fail "tablet inspect show does not name the site and inspectors: $(cat tshow.txt)"
grep -q "FAIL by 王强: 消毒液临期" tshow.txt || fail "tablet inspect show: no answer with who and note: $(cat tshow.txt)"
"$I" tablet --db li.db finding show "$F1" > fshow.txt
grep -q "^site         S01 东城第一小学$" fshow.txt || fail "tablet finding show does not name the site: $(cat fshow.txt)"
"$I" tablet --db li.db site list > sites.txt
grep -Eq "K01 东城阳光幼儿园 +幼儿园 +东城$" sites.txt || fail "tablet site list does not name: $(cat sites.txt)"
human sites.txt
"$I" tablet --db li.db $L sync > /dev/null || fail "li's sync"
# Wang's tablet: S01 again (the repeated visit).
"$I" tablet --db wang.db $W sync > /dev/null
IN2=$("$I" tablet --db wang.db inspect start --site S01 --campaign "$C" --inspector wang)
"$I" tablet --db wang.db inspect answer --inspection "$IN2" --item i1 --result fail --note "口罩储备不足" > /dev/null
"$I" tablet --db wang.db inspect answer --inspection "$IN2" --item i2 --result fail > /dev/null
"$I" tablet --db wang.db $W sync > /dev/null || fail "wang's sync"
"$I" tablet --db wang.db assignment list > assignments.txt
grep -q "王强 .*S01 东城第一小学" assignments.txt || fail "assignment list does not name: $(cat assignments.txt)"
human assignments.txt

# Progress: 东城 2 of 3 inspected, 西城 1 of 1; K01 not visited; S01 twice.
"$I" admin progress --campaign "$C" $R > progress.txt || fail "progress: $(cat progress.txt)"
human progress.txt
grep -q "campaign 秋季随机抽查 (spot-check)" progress.txt || fail "progress heading: $(cat progress.txt)"
grep -Eq "^东城 +2 +3 +3$" progress.txt && grep -Eq "^西城 +1 +1 +1$" progress.txt &&
  grep -Eq "^TOTAL +3 +4 +4$" progress.txt || fail "progress per zone: $(cat progress.txt)"
grep -Eq "^  K01 东城阳光幼儿园 +东城$" progress.txt || fail "not visited: $(cat progress.txt)"
grep -q "S01 东城第一小学 (东城), 2 inspections" progress.txt || fail "repeated visit: $(cat progress.txt)"
grep -Eq "^    [0-9-]{10}  李娜$" progress.txt && grep -Eq "^    [0-9-]{10}  王强$" progress.txt ||
  fail "repeated visit's inspectors: $(cat progress.txt)"
"$I" admin progress --campaign "$C" --zone XC $R | grep -Eq "^TOTAL +1 +1 +1$" || fail "progress --zone XC"
"$I" admin progress --campaign "$C" --json $R | grep -q "\"campaign_id\":\"$C\"" || fail "progress --json"

# Review: i1 pass 2, fail 3, one disagreement; i2 pass 1, fail 2, n/a 1.
"$I" admin review --campaign "$C" $R > review.txt || fail "review: $(cat review.txt)"
human review.txt
grep -q "4 inspections" review.txt || fail "review heading: $(cat review.txt)"
grep -Eq "^i1 +防疫物资 +2 +3 +0 +1  防疫物资储备充足且在有效期内$" review.txt &&
  grep -Eq "^i2 +消防安全 +1 +2 +1 +0  消防器材在有效期内$" review.txt || fail "review counts: $(cat review.txt)"

# Subtotals: five findings, all OPEN (待处理).
"$I" admin subtotals $R > by-zone.txt || fail "subtotals"
grep -Eq "^东城 +4 +4 +0  +4$" by-zone.txt && grep -Eq "^西城 +1 +1 +0  +1$" by-zone.txt ||
  fail "subtotals by zone: $(cat by-zone.txt)"
grep -q "待处理 OPEN" by-zone.txt || fail "no Chinese status label: $(cat by-zone.txt)"
"$I" admin subtotals --by site --campaign "$C" $R > by-site.txt || fail "subtotals by site"
grep -Eq "^S01 东城第一小学 +东城 +3 +3 +0  +3$" by-site.txt || fail "subtotals by site: $(cat by-site.txt)"
"$I" admin subtotals --by inspector --sample "$C" $R > by-person.txt || fail "subtotals by inspector"
grep -Eq "^李娜 +3 " by-person.txt && grep -Eq "^王强 +3 " by-person.txt || fail "by inspector: $(cat by-person.txt)"
for f in by-zone.txt by-site.txt by-person.txt; do human $f; done
rc=0; "$I" admin subtotals --by school $R 2>/dev/null || rc=$?
[ $rc -eq 2 ] || fail "--by school exits $rc, not 2"

# The special report: a file, its title, names and no id.
"$I" admin special-report --zone DC --campaign "$C" --out report.html $R > wrote.txt || fail "special report"
grep -q "^wrote report.html: 东城片区秋季随机抽查专报$" wrote.txt || fail "special report: $(cat wrote.txt)"
human report.html
for text in 东城 "S01 东城第一小学" "K01 东城阳光幼儿园" 李娜; do
  grep -q "$text" report.html || fail "the special report does not name $text"
done
[ ! -e report.html.part ] || fail "a .part file was left"
"$I" admin special-report --zone DC --campaign "$C" $R | grep -q "<!DOCTYPE html>" || fail "special report to stdout"

# One inspection: site, campaign, checklist, who, each answer with its note.
"$I" admin inspection show "$IN3" $R > show.txt || fail "inspection show: $(cat show.txt)"
human show.txt
grep -q "^site        S02 东城实验中学 (东城)$" show.txt && grep -q "^campaign    秋季随机抽查 (spot-check)$" show.txt &&
  grep -q "^checklist   校园防疫与安全检查表 (epi@1)$" show.txt && grep -q "^inspectors  李娜, 王强$" show.txt ||
  fail "inspection show heading: $(cat show.txt)"
grep -Eq "^i1 +防疫物资 +FAIL +王强 +防疫物资储备充足且在有效期内$" show.txt && grep -q "note: 消毒液临期" show.txt ||
  fail "inspection show answers: $(cat show.txt)"

# One finding (issue 18's ShowFinding): where, status, who recorded it and when.
"$I" admin finding show "$F1" $R > finding.txt || fail "finding show: $(cat finding.txt)"
human finding.txt
grep -q "^site        S01 东城第一小学 (东城)$" finding.txt && grep -q "^status      待处理 OPEN" finding.txt &&
  grep -q "^campaign    秋季随机抽查$" finding.txt || fail "finding show heading: $(cat finding.txt)"
grep -Eq "^  [0-9-]{10}  .*  .*status OPEN" finding.txt || fail "finding show history: $(cat finding.txt)"
rc=0; "$I" admin finding show 0190a000-0000-7000-8000-00000000dead $R 2> err.txt || rc=$?
[ $rc -eq 1 ] && grep -q "NOT_FOUND" err.txt && grep -q "0190a000-0000-7000-8000-00000000dead" err.txt ||
  fail "an unknown finding exits $rc: $(cat err.txt)"

# The zone director of 东城 sees 东城 only; another zone is refused, named.
"$I" admin token issue --user zhang --role zone_director --device tablet-zhang --keys keys --db s.db > zhang.tok 2>/dev/null
D="--server $ADDR --ca certs/ca.pem --token-file zhang.tok"
"$I" admin progress --campaign "$C" $D > director.txt || fail "the director's progress: $(cat director.txt)"
grep -Eq "^TOTAL +2 +3 +3$" director.txt && ! grep -q "西城" director.txt || fail "director's progress: $(cat director.txt)"
rc=0; "$I" admin special-report --zone XC --campaign "$C" $D 2> err.txt || rc=$?
[ $rc -eq 1 ] && grep -q "PERMISSION_DENIED" err.txt && grep -q "西城" err.txt ||
  fail "a director's report on another zone ($rc): $(cat err.txt)"

# Unknown values: exit 1 naming them, here and on the office's lists.
for cmd in "progress --campaign $C --zone 南城" "review --campaign $C --zone 南城" "subtotals --zone 南城" \
           "special-report --campaign $C --zone 南城" "findings --zone 南城" "summary --zone 南城" \
           "export --format csv --zone 南城" "findings --site S99"; do
  rc=0; "$I" admin $cmd $R > out.txt 2> err.txt || rc=$?
  [ $rc -eq 1 ] || fail "admin $cmd exits $rc, not 1"
  grep -q "NOT_FOUND" err.txt && grep -Eq "'(南城|S99)'" err.txt || fail "admin $cmd does not name the value: $(cat err.txt)"
  [ ! -s out.txt ] || fail "admin $cmd printed: $(cat out.txt)"
done
for cmd in problems report; do
  rc=0; "$I" admin $cmd --zone 南城 $O 2> err.txt || rc=$?
  [ $rc -eq 1 ] && grep -q "南城" err.txt || fail "admin $cmd --zone 南城 exits $rc: $(cat err.txt)"
done
rc=0; "$I" admin progress --campaign 不存在的检查 $R 2> err.txt || rc=$?
[ $rc -eq 1 ] && grep -q "不存在的检查" err.txt || fail "an unknown campaign exits $rc: $(cat err.txt)"
rc=0; "$I" admin progress $R 2>/dev/null || rc=$?
[ $rc -eq 2 ] || fail "progress without --campaign exits $rc, not 2"
echo "reports walkthrough ok"
