#!/bin/sh
# The change feed through the real `inspectsync` binary and a TLS server:
# reference data imported by the office, then an integration token watches
# the feed up to the head and acks for consumer "erp"; the consumer list shows
# it caught up; more data; the next watch by consumer name prints only the
# new changes; --json and filters; an inspector's token refused.
# Usage: feed_walkthrough.sh PATH/TO/inspectsync
set -eu
I="$1"
. "$(dirname "$0")/lib.sh"
start_server

"$I" admin token issue --user u-office --role office --device office-pc --keys keys > office.tok
"$I" admin token issue --user u-erp --role integration --device erp --keys keys > erp.tok
"$I" admin token issue --user u-li --role inspector --device tablet-li --keys keys > li.tok
O="--db office.db --server $ADDR --ca certs/ca.pem --token-file office.tok"
E="--server $ADDR --ca certs/ca.pem --token-file erp.tok"

printf 'code,name\nN,North\nS,South\n' > zones.csv
printf 'code,name,kind,zone\nPS-1,No. 1 Primary,PRIMARY_SCHOOL,N\nPS-3,No. 3 Primary,PRIMARY_SCHOOL,S\n' > sites.csv
"$I" admin import zones zones.csv $O > /dev/null || fail "zones import"
"$I" admin import sites sites.csv $O > /dev/null || fail "sites import"

"$I" admin watch --consumer erp --ack --until-head $E > watch1.txt 2> watch1.err || fail "watch: $(cat watch1.err)"
[ "$(grep -c ' create ' watch1.txt)" = 4 ] || fail "expected 4 creates: $(cat watch1.txt)"
grep -q "^SEQ " watch1.txt || fail "no table header"
grep -q "at cursor 4 of head 4" watch1.err || fail "cursor not reported: $(cat watch1.err)"
"$I" admin consumers $E > consumers.txt || fail "consumers"
grep -Eq "^erp +4 +0 +u-erp" consumers.txt || fail "erp not caught up: $(cat consumers.txt)"

printf 'code,name,kind,zone\nKG-1,Sunflower KG,KINDERGARTEN,N\n' > more.csv
"$I" admin import sites more.csv $O > /dev/null || fail "more sites"
"$I" admin watch --consumer erp --ack --until-head --json $E > watch2.txt || fail "second watch"
[ "$(wc -l < watch2.txt)" = 1 ] || fail "expected only the new change: $(cat watch2.txt)"
grep -q '"seq":"5"' watch2.txt || fail "not seq 5: $(cat watch2.txt)"
grep -q '"collection":"sites"' watch2.txt || fail "not a site: $(cat watch2.txt)"

# A zone filter from the start: the sites of that zone only.
NORTH=$(grep '"seq":"5"' watch2.txt | grep -o '"zone_id":"[^"]*"' | head -1 | cut -d'"' -f4)
[ -n "$NORTH" ] || fail "no zone id in the change"
"$I" admin watch --zone "$NORTH" --until-head --json $E > north.txt || fail "zone watch"
[ "$(wc -l < north.txt)" = 2 ] || fail "expected the two northern sites: $(cat north.txt)"

# Refusals: exit 1 with the reason.
if "$I" admin watch --until-head --server "$ADDR" --ca certs/ca.pem --token-file li.tok 2> denied.txt; then
  fail "an inspector watched the feed"
fi
grep -q "PERMISSION_DENIED" denied.txt || fail "no PERMISSION_DENIED: $(cat denied.txt)"
if "$I" admin watch --consumer "Bad Name" --until-head $E 2> bad.txt; then fail "bad consumer name accepted"; fi
grep -q "INVALID_ARGUMENT: consumer name" bad.txt || fail "bad name not explained: $(cat bad.txt)"
echo "feed walkthrough ok"
