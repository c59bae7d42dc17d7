#!/bin/sh
# Re-importing a changed register through the real `inspectsync` binary and a
# TLS server (--server without --db): a changed row is shown old -> new by
# code and name and left alone ("use --update to apply"), the rest imported;
# --update writes it (the office device, --db, only shows it); --encoding
# forces how a CSV file is decoded (a GBK file as gbk; a UTF-8 file forced
# as gbk refused, not garbled; an unknown one is a usage error).
# Usage: import_update_walkthrough.sh PATH/TO/inspectsync
set -eu
I="$1"
. "$(dirname "$0")/lib.sh"
start_server

"$I" admin token issue --user u-office --role office --device office-pc --keys keys > office.tok
S="--server $ADDR --ca certs/ca.pem --token-file office.tok"

printf 'code,name\nN,North\nS,South\n' > zones.csv
printf 'code,name,kind,zone\nPS-1,No. 1 Primary,primary,N\nKG-2,Sunflower KG,kindergarten,N\n' > sites.csv
"$I" admin import zones zones.csv $S > /dev/null || fail "zones import"
"$I" admin import sites sites.csv $S | grep -q "2 created, 0 already there" || fail "sites import"

# Changed: PS-1 renamed, KG-2 moved south; PS-5 new.
printf 'code,name,kind,zone\nPS-1,No. 1 Primary School,primary,N\nKG-2,Sunflower KG,kindergarten,S\nPS-5,No. 5 Primary,primary,S\n' > changed.csv
"$I" admin import sites changed.csv $S > plain.out || fail "a re-import with differences failed: $(cat plain.out)"
grep -q "1 created, 0 already there, 2 differ (left as they are)" plain.out || fail "counts: $(cat plain.out)"
grep -q "site PS-1 (No. 1 Primary): name 'No. 1 Primary' -> 'No. 1 Primary School'" plain.out ||
  fail "the rename is not shown: $(cat plain.out)"
grep -q "site KG-2 (Sunflower KG): zone 'N (North)' -> 'S (South)'" plain.out ||
  fail "the zone move is not shown by code and name: $(cat plain.out)"
grep -q "use --update to apply these 2 changes" plain.out || fail "no hint: $(cat plain.out)"

"$I" admin import sites changed.csv $S --update --dry-run | grep -q "2 would be updated" || fail "dry run"
"$I" admin import sites changed.csv $S --update > update.out || fail "--update failed: $(cat update.out)"
grep -q "0 created, 1 already there, 2 updated; commit seq" update.out || fail "update counts: $(cat update.out)"
grep -q "site PS-1 (No. 1 Primary): name 'No. 1 Primary' -> 'No. 1 Primary School'" update.out ||
  fail "the update does not list its change: $(cat update.out)"
"$I" admin import sites changed.csv $S | grep -q "0 created, 3 already there" || fail "the update did not stick"
# As the office device (--db): the differences shown, nothing written from there.
"$I" admin import sites sites.csv --db office.db $S > dev.out || fail "device import: $(cat dev.out)"
grep -q "2 of them differ from the records there (left as they are)" dev.out || fail "device: $(cat dev.out)"
grep -q "site PS-1 (No. 1 Primary School): name 'No. 1 Primary School' -> 'No. 1 Primary'" dev.out ||
  fail "device: the rename back is not shown: $(cat dev.out)"
grep -q "site KG-2 (Sunflower KG): zone 'S (South)' -> 'N (North)'" dev.out || fail "device: $(cat dev.out)"
"$I" admin import sites changed.csv $S | grep -q "0 created, 3 already there" || fail "the device wrote a change"
rc=0; "$I" admin import sites changed.csv --db office.db --update 2> dev.err || rc=$?
[ $rc -eq 2 ] || fail "--update on the office device exits $rc, not 2"

# Encodings. 第一小学 / 小学 in GBK, as Excel on a Chinese Windows saves them.
printf 'code,name,kind,zone\nPS-1,\265\332\322\273\320\241\321\247,\320\241\321\247,N\n' > gbk.csv
"$I" admin import sites gbk.csv $S --encoding gbk --update | grep -q "name 'No. 1 Primary School' -> '第一小学'" ||
  fail "a GBK file forced as gbk"
printf 'code,name,kind,zone\nPS-1,第一小学,小学,N\n' > utf8.csv
rc=0; "$I" admin import sites utf8.csv $S --encoding gbk --update 2> forced.err || rc=$?
[ $rc -eq 1 ] || fail "UTF-8 forced as gbk exits $rc, not 1"
grep -q "utf8.csv line 2: the file is UTF-8 text ('第一小学'), not GBK" forced.err ||
  fail "UTF-8 forced as gbk is not refused clearly: $(cat forced.err)"
rc=0; "$I" admin import sites utf8.csv $S --encoding latin1 2> enc.err || rc=$?
[ $rc -eq 2 ] || fail "an unknown encoding exits $rc, not 2"
grep -q "'latin1'" enc.err || fail "the unknown encoding is not named: $(cat enc.err)"
"$I" admin import sites utf8.csv $S --encoding utf-8 | grep -q "0 created, 1 already there" || fail "utf-8 forced"
echo "import update walkthrough: ok"
