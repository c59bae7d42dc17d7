#!/bin/sh
# The office workflow through the real `inspectsync` binary and a TLS server:
# a bad CSV refused whole (line named, nothing imported), zones, sites, users
# and assignments imported from CSV (again: nothing new), a checklist
# template published, a spot-check campaign created and its sample drawn twice
# with the same seed (the same sites), an inspection answered offline on an
# inspector's tablet with a FAIL (a finding), synced, a rectification notice
# issued, the problem list and the report read from the server.
# Usage: office_walkthrough.sh PATH/TO/inspectsync
set -eu
I="$1"
. "$(dirname "$0")/lib.sh"
start_server

"$I" admin token issue --user u-office --role office --device office-pc --keys keys > office.tok
O="--db office.db --server $ADDR --ca certs/ca.pem --token-file office.tok"

printf 'code,name\nN,North\nS,South\n' > zones.csv
cat > bad-sites.csv <<'CSV'
code,name,kind,zone,address
PS-1,No. 1 Primary,PRIMARY_SCHOOL,N,1 Main St
PS-2,No. 2 Middle,college,N,
PS-1,Duplicate,KINDERGARTEN,nowhere,
CSV
cat > sites.csv <<'CSV'
code,name,kind,zone,address
PS-1,No. 1 Primary,PRIMARY_SCHOOL,N,1 Main St
PS-2,No. 2 Middle,MIDDLE_SCHOOL,N,
PS-3,No. 3 Primary,primary,S,
PS-4,No. 4 Middle,MIDDLE_SCHOOL,S,
KG-1,Sunflower KG,KINDERGARTEN,N,"12 Garden Rd, North"
KG-2,Little Stars KG,KINDERGARTEN,S,
CSV
printf 'code,name,role\nli,Li Na,inspector\nwang,Wang Wei,inspector\ndir,Zhao Min,zone_director\n' > users.csv
printf 'user,site,zone,from,to\nli,PS-1,,,\ndir,,N,2026-01-01,\n' > assignments.csv
cat > items.csv <<'CSV'
id,category,text,default_severity,evidence_required
supplies-expiry,prevention-supplies,Prevention supplies are within their expiry date,HIGH,true
extinguishers,fire-safety,Fire extinguishers are serviced,MEDIUM,false
CSV

# A bad file: exit 1, every problem with its line, nothing imported.
"$I" admin import zones zones.csv $O > /dev/null || fail "zones import"
if "$I" admin import sites bad-sites.csv $O 2> bad.err; then fail "a bad file was imported"; fi
grep -q "bad-sites.csv line 3: kind 'college' is not one of primary (小学), middle" bad.err ||
  fail "the bad kind is not named with its line: $(cat bad.err)"
grep -q "line 4: code 'PS-1' is already used on line 2" bad.err || fail "duplicate code not named: $(cat bad.err)"
grep -q "line 4: zone 'nowhere' does not exist" bad.err || fail "unknown zone not named: $(cat bad.err)"
grep -q "nothing was imported" bad.err || fail "no all-or-nothing message"
[ -z "$("$I" tablet --db office.db site list)" ] || fail "a bad file imported something"
rc=0; "$I" admin import sites bad-sites.csv $O 2>/dev/null || rc=$?
[ $rc -eq 1 ] || fail "a bad file exits $rc, not 1"
rc=0; "$I" admin import schools sites.csv $O 2>/dev/null || rc=$?
[ $rc -eq 2 ] || fail "an unknown import exits $rc, not 2 (usage)"

"$I" admin import sites sites.csv $O | grep -q "6 created, 0 already there" || fail "sites import"
"$I" admin import sites sites.csv $O | grep -q "0 created, 6 already there" || fail "a re-import created records"
"$I" admin import users users.csv $O > users.out || fail "users import"
LI=$(awk '$1 == "li" { print $2 }' users.out)
WANG=$(awk '$1 == "wang" { print $2 }' users.out)
[ -n "$LI" ] && [ -n "$WANG" ] || fail "no user ids printed: $(cat users.out)"
"$I" admin import assignments assignments.csv $O | grep -q "2 created" || fail "assignments import"

"$I" admin template publish items.csv --key epi --title "Epidemic prevention" $O | grep -q "published epi version 1" ||
  fail "template publish"
"$I" admin template publish items.csv --key epi --title "Epidemic prevention" $O | grep -q "nothing published" ||
  fail "the same template published twice"
"$I" admin template list $O | grep -q "epi .* 1 .* 2" || fail "template list"

C=$("$I" admin campaign create --name "Spot check 2026" --kind spot-check --from 2026-01-01 --to 2030-12-31 \
     --template epi $O) || fail "campaign create"
"$I" admin campaign list $O | grep -q "Spot check 2026 .*spot-check" || fail "campaign list"
"$I" admin campaign create --name X --kind yearly --from 2026-01-01 --to 2026-02-01 --template epi $O 2>/dev/null &&
  fail "a bad campaign kind was accepted"

"$I" admin sample draw --campaign "$C" --schools 2 --kindergartens 1 --seed 7 --user wang $O > sample1.txt ||
  fail "sample draw"
"$I" admin sample draw --campaign "$C" --schools 2 --kindergartens 1 --seed 7 --user wang $O > sample2.txt ||
  fail "sample redraw"
cmp -s sample1.txt sample2.txt || fail "the same seed drew another sample: $(diff sample1.txt sample2.txt)"
grep -q "schools: 2 drawn of 4 eligible" sample1.txt || fail "sample tallies: $(cat sample1.txt)"
"$I" admin sample draw --campaign "$C" --schools 2 --kindergartens 1 --seed 8 --user wang $O 2>/dev/null &&
  fail "a second sample with another seed was accepted"
"$I" admin campaign list $O | grep -q "schools=2 kindergartens=1 seed 7" || fail "seed not recorded on the campaign"

# Li inspects No. 1 Primary offline: one FAIL makes a finding.
"$I" admin token issue --user "$LI" --role inspector --device tablet-li --keys keys > li.tok
L="--server $ADDR --ca certs/ca.pem --token-file li.tok"
"$I" tablet --db li.db $L sync > /dev/null
INS=$("$I" tablet --db li.db inspect start --site PS-1 --campaign "$C") || fail "inspect start"
"$I" tablet --db li.db inspect answer --inspection "$INS" --item extinguishers --result pass
F=$("$I" tablet --db li.db inspect answer --inspection "$INS" --item supplies-expiry --result fail \
     --note "3 bottles of disinfectant expired" 2>/dev/null) || fail "inspect answer fail"
"$I" tablet --db li.db inspect answer --inspection "$INS" --item nope --result pass 2>/dev/null &&
  fail "an unknown item was accepted"
"$I" tablet --db li.db inspect show --inspection "$INS" > show.txt
grep -q "FAIL .*supplies-expiry" show.txt || fail "inspect show: $(cat show.txt)"
grep -q "$F" show.txt || fail "the finding is not shown with its inspection"
"$I" tablet --db li.db finding show "$F" | grep -q "HIGH" || fail "the finding did not take the item's severity"
"$I" tablet --db li.db $L sync | grep -q "rejected 0" || fail "the inspection did not sync"

# The office issues a notice (straight to the server, no device database)
# and reads the problem list.
OS="--server $ADDR --ca certs/ca.pem --token-file office.tok"
"$I" admin notice issue --site PS-1 --all-open --deadline 2030-06-30 --ref "EDU-2026-07" $OS > notice.txt 2>&1 ||
  fail "notice issue: $(cat notice.txt)"
"$I" admin notice issue --site PS-1 --findings "$F" --deadline 2030-06-30 --ref X $OS 2>/dev/null &&
  fail "a notice for a NOTIFIED finding was accepted"
"$I" admin problems $O > problems.txt || fail "problems"
grep -q "NOTIFIED .*No. 1 Primary .*prevention-supplies .*$F" problems.txt || fail "problem list: $(cat problems.txt)"
"$I" admin problems --zone S $O | grep -q "$F" && fail "the zone filter let another zone's finding through"
rc=0; "$I" admin problems --status bogus $O 2>/dev/null || rc=$?
[ $rc -eq 2 ] || fail "a bad --status exits $rc, not 2"
"$I" admin problems --json $O | grep -q "\"finding_id\":\"$F\"" || fail "problems --json"
"$I" admin report $O > report.txt || fail "report"
grep -q "North .*prevention-supplies .*NOTIFIED .* 1 .* 0" report.txt || fail "report: $(cat report.txt)"
"$I" admin token issue --user "$LI" --role inspector --device tablet-li2 --keys keys > li2.tok
"$I" admin problems --db li-office.db --server "$ADDR" --ca certs/ca.pem --token-file li2.tok 2> denied.txt &&
  fail "an inspector read the problem list"
grep -q "PERMISSION_DENIED" denied.txt || fail "no reason for the refused inspector: $(cat denied.txt)"
echo "office walkthrough ok"
