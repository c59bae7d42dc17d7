#!/bin/sh
# The integration findings commands through the real `inspectsync` binary and
# a TLS server: imports through the server's Import RPC (--server without
# --db): a bad file refused whole with its lines named and nothing written,
# CSV and JSON Lines files imported, a re-import creating nothing, a dry run;
# then findings, export (CSV to a file, JSON Lines to stdout) and summary;
# an inspector's token refused.
# Usage: integration_findings_walkthrough.sh PATH/TO/inspectsync
set -eu
I="$1"
. "$(dirname "$0")/lib.sh"
start_server

"$I" admin token issue --user u-erp --role integration --device erp --keys keys > erp.tok
"$I" admin token issue --user u-li --role inspector --device tablet-1 --keys keys > li.tok
S="--server $ADDR --ca certs/ca.pem --token-file erp.tok"

printf 'code,name\nN,North\nS,South\n' > zones.csv
"$I" admin import zones zones.csv $S | grep -q "2 created, 0 already there; commit seq" || fail "zones import"
"$I" admin import zones zones.csv $S | grep -q "0 created, 2 already there" || fail "a re-import created records"

printf 'code,name,kind,zone\nPS-1,One,PRIMARY,N\nPS-2,Two,college,Z9\n' > bad.csv
if "$I" admin import sites bad.csv $S 2> bad.err; then fail "a bad file was imported"; fi
grep -q "bad.csv line 3: kind 'college'" bad.err || fail "bad kind not named: $(cat bad.err)"
grep -q "bad.csv line 3: zone 'Z9' does not exist" bad.err || fail "unknown zone not named: $(cat bad.err)"
grep -q "nothing was imported" bad.err || fail "no all-or-nothing message"

printf '{"code":"PS-1","name":"One","kind":"PRIMARY","zone":"N"}\n{"code":"KG-1","name":"小太阳幼儿园","kind":"KINDERGARTEN","zone":"S"}\n' > sites.jsonl
"$I" admin import sites sites.jsonl $S --dry-run | grep -q "2 would be created" || fail "dry run"
"$I" admin import sites sites.jsonl $S | grep -q "2 created" || fail "JSON Lines import"
"$I" admin import sites sites.jsonl $S --format jsonl --json | grep -q '"unchanged":"2"' || fail "--json import"

"$I" admin findings $S | grep -q "^0 findings" || fail "findings"
"$I" admin export --format csv --out all.csv $S 2> export.err || fail "export: $(cat export.err)"
head -1 all.csv | grep -q "^finding_id,version,site_id,site_name,zone_id," || fail "export header: $(head -1 all.csv)"
[ ! -e all.csv.part ] || fail "a .part file was left"
[ -z "$("$I" admin export --format jsonl $S)" ] || fail "an empty JSON Lines export printed something"
"$I" admin export --format csv --bom --out bom.csv $S 2> export.err || fail "export --bom: $(cat export.err)"
[ "$(head -c 3 bom.csv | od -An -tx1 | tr -d ' ')" = "efbbbf" ] || fail "export --bom wrote no byte order mark"
[ "$(tail -c +4 bom.csv)" = "$(cat all.csv)" ] || fail "export --bom changed more than the first bytes"
[ "$(head -c 3 all.csv | od -An -tx1 | tr -d ' ')" != "efbbbf" ] || fail "export without --bom wrote one"
rc=0; "$I" admin export --format jsonl --bom $S 2>/dev/null || rc=$?
[ $rc -eq 2 ] || fail "--bom with jsonl exits $rc, not 2"
rc=0; "$I" admin export --format xml $S 2>/dev/null || rc=$?
[ $rc -eq 2 ] || fail "a bad format exits $rc, not 2"
"$I" admin summary $S | grep -q "findings as of" || fail "summary"
"$I" admin summary $S --json | grep -q "as_of_ms" || fail "summary --json"

rc=0; "$I" admin findings --server "$ADDR" --ca certs/ca.pem --token-file li.tok 2> denied.err || rc=$?
[ $rc -eq 1 ] && grep -q PERMISSION_DENIED denied.err || fail "an inspector listed findings ($rc): $(cat denied.err)"
echo "integration findings walkthrough: ok"
