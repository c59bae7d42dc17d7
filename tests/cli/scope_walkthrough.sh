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
"$I" tablet --db li.db site list | grep -q "$S1" || fail "the inspector does not see its site"
"$I" tablet --db li.db site list | grep -q "$S2" && fail "the inspector sees a site it is not assigned to"
"$I" tablet --db li.db finding list | grep -q "$F2" && fail "the inspector sees a finding of another site"

"$I" tablet --db li.db finding add --site "$S2" --title "not mine" > /dev/null
"$I" tablet --db li.db zone add --name Mine > /dev/null
"$I" tablet --db li.db $L sync | grep -q "rejected 2" || fail "edits outside the inspector's rights were not refused"
"$I" tablet --db li.db rejected | grep -q "not assigned" || fail "no reason for the refused finding"
"$I" tablet --db li.db rejected | grep -q "only the office changes zones" || fail "no reason for the refused zone"

# Reassignment: Li moves from S1 to S2.
"$I" tablet --db office.db assign --user "$U" --site "$S2" > /dev/null
"$I" tablet --db office.db unassign "$A"
"$I" tablet --db office.db $O sync > /dev/null
"$I" tablet --db li.db $L sync > /dev/null
"$I" tablet --db li.db site list | grep -q "$S2" || fail "the new site was not backfilled"
"$I" tablet --db li.db site list | grep -q "$S1" && fail "the old site stayed on the tablet"
"$I" tablet --db li.db finding list | grep -q "$F2" || fail "the new site's finding was not backfilled"
echo "scope walkthrough ok"
