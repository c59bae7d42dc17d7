#!/bin/sh
# Conflict review and webhooks through the real `inspectsync` binary and a TLS
# server: two office tablets rewrite a finding's description offline (a
# REVIEW conflict); the integration token lists it, settles it with a new
# text, and both tablets show that text after their sync. A webhook to an
# endpoint that is down records its failed attempts with the reason, and bad
# registrations are refused. Usage: review_walkthrough.sh PATH/TO/inspectsync
set -eu
I="$1"
. "$(dirname "$0")/lib.sh"
start_server --webhook-backoff-ms 50 --webhook-timeout-s 2

"$I" admin token issue --user u-a --role office --device tab-a --keys keys > a.tok
"$I" admin token issue --user u-b --role office --device tab-b --keys keys > b.tok
"$I" admin token issue --user u-erp --role integration --device erp --keys keys > erp.tok
"$I" admin token issue --user u-li --role inspector --device tab-li --keys keys > li.tok
A="--db a.db --server $ADDR --ca certs/ca.pem --token-file a.tok"
B="--db b.db --server $ADDR --ca certs/ca.pem --token-file b.tok"
E="--server $ADDR --ca certs/ca.pem --token-file erp.tok"

# A webhook first (it hears only later events), to an endpoint nobody serves.
"$I" admin webhook add --url http://127.0.0.1:9/hook --event finding.created --event conflict.opened $E \
  > hook.txt || fail "webhook add"
HOOK=$(sed -n 's/^webhook \([0-9a-f-]*\)$/\1/p' hook.txt)
[ -n "$HOOK" ] || fail "no webhook id: $(cat hook.txt)"
grep -q "secret " hook.txt || fail "the secret was not shown: $(cat hook.txt)"
"$I" admin webhook list --json $E | grep -q "\"id\":\"$HOOK\"" || fail "webhook not listed"
"$I" admin webhook list --json $E | grep -q '"secret"' && fail "the secret was listed"
if "$I" admin webhook add --url http://office.example.org/hook --event finding.created $E 2> bad.txt; then
  fail "plain http to a remote host accepted"
fi
grep -q "INVALID_ARGUMENT: url" bad.txt || fail "bad url not explained: $(cat bad.txt)"
if "$I" admin webhook add --url https://office.example.org/hook --event finding.eaten $E 2> bad.txt; then
  fail "unknown event accepted"
fi

# The finding, then two offline rewrites of its description.
"$I" tablet $A zone add --name North > zone.txt
ZONE=$(grep -o '[0-9a-f]\{8\}-[0-9a-f-]\{27\}' zone.txt | head -1)
"$I" tablet $A site add --name "No. 1 Primary" --zone "$ZONE" > site.txt
SITE=$(grep -o '[0-9a-f]\{8\}-[0-9a-f-]\{27\}' site.txt | head -1)
"$I" tablet $A finding add --title "Gas alarm not serviced" --site "$SITE" --severity high \
  --description "No service record." > f.txt
F=$(grep -o '[0-9a-f]\{8\}-[0-9a-f-]\{27\}' f.txt | head -1)
[ -n "$F" ] || fail "no finding id: $(cat f.txt)"
"$I" tablet $A sync > /dev/null || fail "sync a"
"$I" tablet $B sync > /dev/null || fail "sync b"
"$I" tablet --db a.db finding edit "$F" --description "Alarm battery missing." > /dev/null
"$I" tablet --db b.db finding edit "$F" --description "Technician booked for Monday." > /dev/null
"$I" tablet $A sync > /dev/null || fail "sync a"
"$I" tablet $B sync > /dev/null || fail "sync b"

"$I" admin conflicts list --json $E > conflicts.txt || fail "conflicts list"
[ "$(grep -c '"field":"description"' conflicts.txt)" = 1 ] || fail "expected one open conflict: $(cat conflicts.txt)"
C=$(grep -o '"conflict":{"id":"[^"]*"' conflicts.txt | head -1 | cut -d'"' -f6)
[ -n "$C" ] || fail "no conflict id: $(cat conflicts.txt)"
"$I" admin conflicts list $E | grep -q "description" || fail "no table row"
"$I" admin conflicts resolve "$C" --value "Battery missing; technician booked for Monday." \
  --note "both kept" $E > resolved.txt || fail "resolve"
if "$I" admin conflicts resolve "$C" --keep-winner $E 2> again.txt; then fail "resolved twice"; fi
grep -q "FAILED_PRECONDITION" again.txt || fail "second resolve not explained: $(cat again.txt)"
# An inspector lists only the conflicts of their own sites (Li has none) and
# never resolves.
"$I" admin conflicts list --server "$ADDR" --ca certs/ca.pem --token-file li.tok > li.txt \
  || fail "an inspector cannot list the conflicts of their scope"
grep -q "^0 conflicts" li.txt || fail "an inspector without sites saw conflicts: $(cat li.txt)"
if "$I" admin conflicts resolve "$C" --keep-winner --server "$ADDR" --ca certs/ca.pem --token-file li.tok \
  2> denied.txt; then
  fail "an inspector resolved a conflict"
fi
grep -q "PERMISSION_DENIED" denied.txt || fail "no PERMISSION_DENIED: $(cat denied.txt)"

"$I" tablet $A sync > /dev/null || fail "sync a"
"$I" tablet $B sync > /dev/null || fail "sync b"
for t in a b; do
  "$I" tablet --db $t.db finding show "$F" | grep -q "Battery missing; technician booked for Monday." ||
    fail "tablet $t does not show the settled text: $("$I" tablet --db $t.db finding show "$F")"
done
[ "$("$I" admin conflicts list --json $E | grep -c '"field"')" = 0 ] || fail "the conflict is still open"

# The endpoint is down: attempts pile up with the reason, nothing is lost.
for _ in $(seq 1 100); do
  "$I" admin webhook deliveries --webhook "$HOOK" --json $E > deliveries.txt
  grep -q '"last_error"' deliveries.txt && break
  sleep 0.1
done
grep -q '"event":"FINDING_CREATED"' deliveries.txt || fail "no finding.created delivery: $(cat deliveries.txt)"
grep -q '"last_error"' deliveries.txt || fail "no failed attempt recorded: $(cat deliveries.txt)"
"$I" admin webhook remove "$HOOK" $E > /dev/null || fail "webhook remove"
[ "$("$I" admin webhook list --json $E | wc -l)" = 0 ] || fail "webhook not removed"
echo "review walkthrough: ok"
