#!/bin/sh
# The README's walkthrough of roles and scope, through the real `inspectsync`
# binary: a TLS server, an office tablet that sets up a zone, sites, a user
# and an assignment, and an inspector's tablet that sees only its site, is
# refused elsewhere with a reason, and follows a reassignment.
# Usage: scope_walkthrough.sh PATH/TO/inspectsync
set -eu
I="$1"
. "$(dirname "$0")/lib.sh"
start_server

"$I" admin token issue --user u-office --role office --device office-pc --keys keys > office.tok
O="--server $ADDR --ca certs/ca.pem --token-file office.tok"
Z=$("$I" tablet --db office.db zone add --name North)
S1=$("$I" tablet --db office.db site add --name "No. 1 Primary" --zone "$Z")
S2=$("$I" tablet --db office.db site add --name "Sunflower KG" --zone "$Z" --kind kindergarten)
U=$("$I" tablet --db office.db user add --name "Li Na" --role inspector)
A=$("$I" tablet --db office.db assign --user "$U" --site "$S1")
F2=$("$I" tablet --db office.db finding add --site "$S2" --title "Extinguisher overdue")
"$I" tablet --db office.db $O sync | grep -q "applied 6" || fail "office setup did not apply"

"$I" admin token issue --user "$U" --role inspector --device tablet-li --keys keys > li.tok
L="--server $ADDR --ca certs/ca.pem --token-file li.tok"
"$I" tablet --db li.db $L sync > /dev/null
"$I" tablet --db li.db site list | grep -q "No. 1 Primary .*小学 .*North" || fail "the inspector does not see its site"
"$I" tablet --db li.db site list --json | grep -q "\"id\":\"$S1\"" || fail "site list --json carries no id"
"$I" tablet --db li.db site list | grep -q "Sunflower KG" && fail "the inspector sees a site it is not assigned to"
"$I" tablet --db li.db finding list | grep -q "$F2" && fail "the inspector sees a finding of another site"

# A site the tablet does not hold is refused on the tablet, naming it (it
# was stored as typed before, and only the server refused it).
rc=0; "$I" tablet --db li.db finding add --site "$S2" --title "not mine" > /dev/null 2> notmine.err || rc=$?
[ $rc -ne 0 ] && grep -q "no site '$S2'" notmine.err || fail "a finding at a site not on the tablet ($rc): $(cat notmine.err)"
"$I" tablet --db li.db zone add --name Mine > /dev/null
# A sync that loses edits exits 3 and says what was typed.
rc=0; "$I" tablet --db li.db $L sync > sync.txt || rc=$?
[ $rc -eq 3 ] || fail "a sync with refused edits exits $rc, not 3: $(cat sync.txt)"
grep -q "rejected 1" sync.txt || fail "the zone outside the inspector's rights was not refused: $(cat sync.txt)"
grep -q "name='Mine'" sync.txt || fail "sync does not show the refused edit's fields: $(cat sync.txt)"
"$I" tablet --db li.db rejected > rejected.txt
grep -q "only the office changes zones" rejected.txt || fail "no reason for the refused zone"
grep -q "created: name='Mine'" rejected.txt || fail "tablet rejected does not show what was typed: $(cat rejected.txt)"
"$I" tablet --db li.db $L sync > /dev/null || fail "a sync with nothing refused does not exit 0"

# Reassignment: Li moves from S1 to S2.
"$I" tablet --db office.db assign --user "$U" --site "$S2" > /dev/null
"$I" tablet --db office.db unassign "$A"
"$I" tablet --db office.db $O sync > /dev/null
"$I" tablet --db li.db $L sync > /dev/null
"$I" tablet --db li.db site list | grep -q "Sunflower KG" || fail "the new site was not backfilled"
"$I" tablet --db li.db site list | grep -q "No. 1 Primary" && fail "the old site stayed on the tablet"
"$I" tablet --db li.db finding list | grep -q "$F2" || fail "the new site's finding was not backfilled"
echo "scope walkthrough ok"
