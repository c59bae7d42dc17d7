#!/bin/sh
# The seed's whole round at its scale, through the command line only, with
# Chinese names and texts (DOMAIN.md): 6 zones, 79 schools and 307
# kindergartens, 22 supervisors (one a zone director), 7 inspection teams
# assigned to a special campaign and to every site, inspections on the teams'
# tablets (11 sites with problems, one site visited twice, two offline
# rewordings of one finding, the loser seeing both), rectification
# notices, a failed then passed verification, the spot check (26 schools and
# 10 kindergartens), progress, the records review, subtotals, the zone
# director's special report (专报) and the export a clerk opens in Excel.
# Every output must be valid UTF-8 and human output must name things, never
# show a bare id. Exits non-zero on the first step that fails.
# Usage: district_round_walkthrough.sh PATH/TO/inspectsync
set -eu
I="$1"
. "$(dirname "$0")/lib.sh"
start_server

UUID='[0-9a-f]\{8\}-[0-9a-f]\{4\}-[0-9a-f]\{4\}-[0-9a-f]\{4\}-[0-9a-f]\{12\}'
# run NAME CMD...: runs a step, keeping its stdout in NAME.out and stderr in
# NAME.err; the step fails the walkthrough with both shown.
run() {
  name=$1; shift
  "$@" > "$name.out" 2> "$name.err" || fail "$name: exit $? — $(cat "$name.err") $(head -c 2000 "$name.out")"
}
# human NAME: the step's output is for a person: no bare UUID in it.
human() {
  if grep -q "$UUID" "$1.out"; then fail "$1 shows a bare id: $(grep "$UUID" "$1.out" | head -3)"; fi
}
expect() { grep -q -- "$2" "$1.out" || fail "$1: no '$2' in: $(head -c 3000 "$1.out")"; }

"$I" admin token issue --user office --role office --device office-pc --keys keys > office.tok 2> /dev/null
SRV="--server $ADDR --ca certs/ca.pem --token-file office.tok"
O="--db office.db $SRV"

# ---------------------------------------------------------------- the district
cat > zones.csv <<'CSV'
code,name
CD,城东学区
CX,城西学区
CN,城南学区
CB,城北学区
XQ,新区学区
SQ,山区学区
CSV
ZONES="CD CX CN CB XQ SQ"
zone_of() { echo $ZONES | cut -d' ' -f$(( $1 % 6 + 1 )); }
{
  echo "code,name,kind,zone,address"
  i=1
  while [ $i -le 79 ]; do
    if [ $i -le 52 ]; then kind=PRIMARY_SCHOOL; name="第${i}小学"; else kind=MIDDLE_SCHOOL; name="第${i}中学"; fi
    printf 'S%03d,%s,%s,%s,人民路%d号\n' $i "$name" $kind "$(zone_of $i)" $i
    i=$((i + 1))
  done
  i=1
  while [ $i -le 307 ]; do
    printf 'K%03d,阳光第%d幼儿园,KINDERGARTEN,%s,\n' $i $i "$(zone_of $i)"
    i=$((i + 1))
  done
} > sites.csv
NAMES="张伟 王芳 李娜 刘洋 陈静 杨勇 黄磊 赵敏 周杰 吴霞 徐涛 孙丽 马超 朱琳 胡斌 郭靖 林峰 何雪 高翔 罗敏 梁晨 宋佳"
{
  echo "code,name,role"
  n=1
  for who in $NAMES; do
    role=inspector
    [ $n -eq 8 ] && role=zone_director  # 赵敏 directs 城东学区
    printf 'sv%02d,%s,%s\n' $n "$who" $role
    n=$((n + 1))
  done
  echo "office,钱主任,office"
} > users.csv
# Every site has its responsible supervisor, by zone ("分片到点"): the 21
# inspectors are spread over the six zones (4, 4, 4, 3, 3, 3) and share its
# sites in turn; the director sv08 has her whole zone.
{
  echo "user,site,zone"
  tail -n +2 sites.csv | awk -F, '
    BEGIN { split("CD:1 2 3 4,CX:5 6 7 9,CN:10 11 12 13,CB:14 15 16,XQ:17 18 19,SQ:20 21 22", zs, ",");
            for (i in zs) { split(zs[i], kv, ":"); cnt[kv[1]] = split(kv[2], l, " ");
                            for (j = 1; j <= cnt[kv[1]]; j++) sv[kv[1], j] = l[j] } }
    { z = $4; n[z]++; printf "sv%02d,%s,\n", sv[z, (n[z] - 1) % cnt[z] + 1], $1 }'
  echo "sv08,,CD"
} > assignments.csv

run import-zones "$I" admin import zones zones.csv $SRV
run import-sites "$I" admin import sites sites.csv $SRV
expect import-sites "386 created"
run import-users "$I" admin import users users.csv $SRV
run import-assignments "$I" admin import assignments assignments.csv $SRV
expect import-assignments "387 created"

cat > items.csv <<'CSV'
id,category,text,default_severity,evidence_required
supplies,防疫物资,防疫物资充足且在有效期内,HIGH,true
signage,防疫标识,防疫标识张贴醒目,MEDIUM,false
fire,消防安全,消防器材完好有效,HIGH,false
gas,燃气安全,燃气报警器按期检测维护,HIGH,false
health,健康监测,晨午检及健康信息记录完整,MEDIUM,false
CSV
run publish "$I" admin template publish items.csv --key fangyi --title "开学防疫安全检查表" $O
CAMP="2026年秋季开学专项督查"
run campaign "$I" admin campaign create --name "$CAMP" --kind special --from 2026-01-01 --to 2030-12-31 \
  --template fangyi $O
C=$(cat campaign.out)

# -------------------------------------------------------------------- teams
# Seven teams of three inspectors (sv08, the director, is in none); each
# team gets every seventh site for the campaign.
TEAMS="第一督导组 第二督导组 第三督导组 第四督导组 第五督导组 第六督导组 第七督导组"
t=0
for team in $TEAMS; do
  a=$(( t * 3 + 1 )); b=$(( t * 3 + 2 )); c=$(( t * 3 + 3 ))
  for v in a b c; do eval "x=\$$v"; [ "$x" -ge 8 ] && eval "$v=$(( x + 1 ))"; done
  run team-$t "$I" admin team create --name "$team" --leader "$(printf sv%02d $a)" \
    --member "$(printf sv%02d $b)" --member "$(printf sv%02d $c)" $SRV
  tail -n +2 sites.csv | awk -F, -v t=$t 'NR % 7 == t { print $1 }' > team-$t.sites
  eval "LEAD_$t=$(printf sv%02d $a) MEMBER_$t=$(printf sv%02d $b)"
  t=$((t + 1))
done
run assign-campaign "$I" admin team assign-campaign --campaign "$CAMP" \
  $(for team in $TEAMS; do printf -- '--team %s ' "$team"; done) $SRV
t=0
for team in $TEAMS; do
  run assign-sites-$t "$I" admin team assign-sites "$team" --campaign "$CAMP" --sites-file team-$t.sites $SRV
  expect assign-sites-$t "sites assigned to $team"
  t=$((t + 1))
done
run team-list "$I" admin team list $SRV
human team-list
for team in $TEAMS; do expect team-list "$team"; done
expect team-list "张伟"

# ------------------------------------------------------- on the teams' tablets
# Each team's leader inspects the first two sites of the team offline, then
# syncs. The first site of every team and the second of the first four fail
# the supplies or gas item: 11 sites with problems.
t=0
FINDINGS=""
while [ $t -lt 7 ]; do
  eval "lead=\$LEAD_$t"
  run tok-$t "$I" admin token issue --user "$lead" --role inspector --device "tablet-$t" --keys keys --db s.db
  cp tok-$t.out t$t.tok
  TAB="--db t$t.db --server $ADDR --ca certs/ca.pem --token-file t$t.tok"
  run sync0-$t "$I" tablet $TAB sync
  k=1
  for site in $(head -2 team-$t.sites); do
    run start-$t-$k "$I" tablet --db t$t.db inspect start --site "$site" --campaign "$CAMP"
    ins=$(cat start-$t-$k.out)
    for item in signage fire health; do
      run ans-$t-$k-$item "$I" tablet --db t$t.db inspect answer --inspection "$ins" --item $item --result pass
    done
    if [ $k -eq 1 ] || [ $t -lt 4 ]; then
      run fail-$t-$k "$I" tablet --db t$t.db inspect answer --inspection "$ins" --item supplies --result fail \
        --note "消毒液3瓶已过期，口罩储备不足"
      FINDINGS="$FINDINGS $(cat fail-$t-$k.out)"
      run ans-$t-$k-gas "$I" tablet --db t$t.db inspect answer --inspection "$ins" --item gas --result na
    else
      run ans-$t-$k-supplies "$I" tablet --db t$t.db inspect answer --inspection "$ins" --item supplies --result pass
      run ans-$t-$k-gas "$I" tablet --db t$t.db inspect answer --inspection "$ins" --item gas --result pass
    fi
    k=$((k + 1))
  done
  run sync1-$t "$I" tablet $TAB sync
  t=$((t + 1))
done
set -- $FINDINGS
[ $# -eq 11 ] || fail "expected 11 findings, got $#"
F1=$1
INS1=$(cat start-0-1.out)
SITE1=$(head -1 team-0.sites)

# A second member of the first team visits the first team's first site again.
run tok-m "$I" admin token issue --user "$MEMBER_0" --role inspector --device tablet-m --keys keys --db s.db
cp tok-m.out m.tok
M="--db m.db --server $ADDR --ca certs/ca.pem --token-file m.tok"
run sync-m "$I" tablet $M sync
run start-m "$I" tablet --db m.db inspect start --site "$SITE1" --campaign "$C"
run ans-m "$I" tablet --db m.db inspect answer --inspection "$(cat start-m.out)" --item supplies --result fail \
  --note "复查：口罩储备仍不足"
run sync2-m "$I" tablet $M sync

# Two members of the first team reword the same finding offline: the one
# who lost sees both texts on their own tablet.
T0="--db t0.db --server $ADDR --ca certs/ca.pem --token-file t0.tok"
run edit-lead "$I" tablet --db t0.db finding edit "$F1" --description "储物间消毒液3瓶过期，已当场下架"
run edit-member "$I" tablet --db m.db finding edit "$F1" --description "消毒液过期，口罩仅够两天用量"
run sync-lead "$I" tablet $T0 sync
run sync-member "$I" tablet $M sync
run conflicts "$I" tablet $M conflicts
human conflicts
expect conflicts "lost: 储物间消毒液"
expect conflicts "kept: 消毒液过期"

run inspect-show "$I" admin inspection show "$INS1" $SRV
human inspect-show
expect inspect-show "消毒液3瓶已过期"
expect inspect-show "防疫物资充足且在有效期内"

# ---------------------------------------------------------------- notices
n=1
for site in $(for t in 0 1 2 3 4 5 6; do head -2 team-$t.sites | head -$([ $t -lt 4 ] && echo 2 || echo 1); done); do
  run notice-$n "$I" admin notice issue --site "$site" --all-open --ref "$(printf '督办-2026-%03d' $n)" \
    --deadline 2030-06-30 --text "请于期限内完成整改并报督导组复查" $SRV
  n=$((n + 1))
done
[ $n -eq 12 ] || fail "expected 11 notices, issued $((n - 1))"
run notice-list "$I" admin notice list $SRV
human notice-list
expect notice-list "督办-2026-011"
run notice-show "$I" admin notice show "督办-2026-001" $SRV
human notice-show
expect notice-show "防疫物资充足且在有效期内 .*NOTIFIED"

# ---------------------------------------- rectified, failed, rectified, passed
rectify() {
  run sync-r$1 "$I" tablet $T0 sync
  run inrect-$1 "$I" tablet --db t0.db finding edit "$F1" --status in_rectification
  run rect-$1 "$I" tablet --db t0.db finding edit "$F1" --status rectified
  run sync-s$1 "$I" tablet $T0 sync
}
rectify 1
run verify-fail "$I" admin verify "$F1" --result fail --note "复查发现仍有过期消毒液" --new-deadline 2030-09-30 $SRV
grep -q "REOPENED" verify-fail.err || fail "a failed verification did not reopen: $(cat verify-fail.err)"
rectify 2
run verify-pass "$I" admin verify "$F1" --result pass --note "已全部更换，复查合格" $SRV
grep -q "CLOSED" verify-pass.err || fail "a passed verification did not close: $(cat verify-pass.err)"
run sync-closed "$I" tablet $T0 sync
run closed "$I" tablet --db t0.db finding show "$F1"
expect closed "CLOSED"

# ------------------------------------------------------------ the spot check
SPOT="2026年随机抽查"
run spot "$I" admin campaign create --name "$SPOT" --kind spot-check --from 2026-01-01 --to 2030-12-31 \
  --template fangyi $O
run sample "$I" admin sample draw --campaign "$SPOT" --schools 26 --kindergartens 10 --seed 2026 \
  --team 第七督导组 $O
human sample
expect sample "schools: 26 drawn of 79 eligible"
expect sample "kindergartens: 10 drawn of 307 eligible"
run sample-again "$I" admin sample draw --campaign "$SPOT" --schools 26 --kindergartens 10 --seed 2026 \
  --team 第七督导组 $O
cmp -s sample.out sample-again.out || fail "the same seed drew another sample"
# The seventh team inspects the first drawn school: a feedback item the
# sample's subtotals count.
SPOT_SITE=$(awk '/^    / { print $1; exit }' sample.out)
case $SPOT_SITE in S[0-9]*) ;; *) fail "the sample does not list site codes: $(cat sample.out)";; esac
run spot-sync "$I" tablet --db t6.db --server "$ADDR" --ca certs/ca.pem --token-file t6.tok sync
run spot-start "$I" tablet --db t6.db inspect start --site "$SPOT_SITE" --campaign "$(cat spot.out)"
run spot-fail "$I" tablet --db t6.db inspect answer --inspection "$(cat spot-start.out)" --item signage \
  --result fail --note "防疫标识被遮挡"
run spot-sync2 "$I" tablet --db t6.db --server "$ADDR" --ca certs/ca.pem --token-file t6.tok sync

# ------------------------------------------------------------------ reports
run progress "$I" admin progress --campaign "$CAMP" $SRV
human progress
expect progress "城东学区"
expect progress "第一督导组"
expect progress "386"
run progress-json "$I" admin progress --campaign "$CAMP" --json $SRV
expect progress-json "not_visited"
expect progress-json "repeated_visits"
run review "$I" admin review --campaign "$CAMP" $SRV
human review
expect review "防疫物资充足且在有效期内"
for by in zone site inspector; do
  run subtotals-$by "$I" admin subtotals --by $by --campaign "$CAMP" $SRV
  human subtotals-$by
done
expect subtotals-zone "城东学区"
expect subtotals-inspector "张伟"
run subtotals-sample "$I" admin subtotals --by site --sample "$SPOT" $SRV
human subtotals-sample
expect subtotals-sample "$(awk -F, -v c="$SPOT_SITE" '$1 == c { print $2 }' sites.csv)"

run tok-dir "$I" admin token issue --user sv08 --role zone_director --device director-pc --keys keys --db s.db
cp tok-dir.out dir.tok
run special "$I" admin special-report --zone CD --campaign "$CAMP" --out zhuanbao.html \
  --server "$ADDR" --ca certs/ca.pem --token-file dir.tok
grep -q "城东学区" zhuanbao.html || fail "the special report does not name its zone"
grep -q "赵敏\|第[0-9]*小学\|幼儿园" zhuanbao.html || fail "the special report names no site or person"
if grep -q "$UUID" zhuanbao.html; then fail "the special report shows a bare id"; fi
iconv -f UTF-8 -t UTF-8 zhuanbao.html > /dev/null || fail "the special report is not valid UTF-8"

# The spot check's feedback is countable on every list: the sample's
# findings, the campaign's, and an unknown campaign named back.
# (Finding lists show each finding's id beside its site, zone and title:
# the handle `admin verify` and `notice issue --findings` take.)
run problems-sample "$I" admin problems --sample "$SPOT" $O
expect problems-sample "防疫标识张贴醒目"
run findings-spot "$I" admin findings --campaign "$SPOT" $SRV
[ "$(grep -c "防疫" findings-spot.out)" -eq 1 ] || fail "the spot check has one finding: $(cat findings-spot.out)"
run summary-camp "$I" admin summary --campaign "$CAMP" $SRV
human summary-camp
expect summary-camp "城东学区"
run report-camp "$I" admin report --campaign "$CAMP" $O
human report-camp
run export-sample "$I" admin export --format csv --sample "$SPOT" $SRV
expect export-sample "$SPOT_SITE"
if "$I" admin findings --campaign "2025年春季督查" $SRV > nocamp.out 2> nocamp.err; then fail "an unknown campaign listed findings"; fi
grep -q "2025年春季督查" nocamp.err || fail "the unknown campaign is not named: $(cat nocamp.err)"

run export "$I" admin export --format csv --bom $SRV
expect export "zone_name"
expect export "阳光第\|小学"

# ------------------------------------------------- every output is valid UTF-8
for f in *.out *.err; do
  iconv -f UTF-8 -t UTF-8 "$f" > /dev/null 2>&1 || fail "$f is not valid UTF-8"
done
echo "district round walkthrough: ok ($(ls *.out | wc -l) steps)"
