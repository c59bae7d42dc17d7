#!/bin/sh
# Issue 15, item 6, through the real `inspectsync` binary: a malformed token
# (a Chinese string on the command line, a token file with a stray control
# byte, a file holding only a newline) is refused with a normal error exit
# (1 or 2) and a message that says which byte and where — never a SIGABRT
# from gRPC's metadata check, never the token itself — in `tablet`, the
# office commands of `admin` and its integration commands. A token file as
# `admin token issue > FILE` writes it (a trailing newline; here also CRLF
# and spaces) works.
# Usage: token_walkthrough.sh PATH/TO/inspectsync
set -eu
I="$1"
. "$(dirname "$0")/lib.sh"
start_server

"$I" admin token issue --user u-office --role office --device office-pc --keys keys > office.tok
GOOD=$(cat office.tok)
SECRET=$(printf '%s' "$GOOD" | cut -d. -f3)  # the signature: must never be echoed
printf '%s' "$GOOD" | cut -c1-20 > stray.tok
printf '\001' >> stray.tok
printf '%s\n' "$GOOD" | cut -c21- >> stray.tok
tr -d '\n' < stray.tok > stray1.tok  # one line, the stray byte inside
printf '\n' > blank.tok
C="--server $ADDR --ca certs/ca.pem"

# refused NAME WANT COMMAND...: exits 1 or 2 (not a signal), says WANT on
# stderr, and does not echo the token's signature.
refused() {
  name=$1 want=$2
  shift 2
  rc=0
  "$@" > out.txt 2> err.txt || rc=$?
  [ "$rc" -lt 128 ] || fail "$name: killed by signal $((rc - 128)): $(cat err.txt)"
  [ "$rc" -eq 1 ] || [ "$rc" -eq 2 ] || fail "$name: exit $rc, want 1 or 2: $(cat err.txt)"
  grep -q "$want" err.txt || fail "$name: no '$want' in: $(cat err.txt)"
  if grep -q -- "$SECRET" err.txt out.txt; then fail "$name: the token was echoed: $(cat err.txt)"; fi
}

refused "tablet --token 中文" "byte 0xE4 (not ASCII) at byte 1" "$I" tablet --db t.db $C --token "令牌" sync
refused "tablet --token-file stray" "stray1.tok.*byte 0x01 (a control character) at byte 21" \
  "$I" tablet --db t.db $C --token-file stray1.tok sync
refused "tablet --token-file blank" "blank.tok.*only whitespace" "$I" tablet --db t.db $C --token-file blank.tok sync
refused "tablet --token with a space" "a space" "$I" tablet --db t.db $C --token "isv1.a b" sync
refused "admin problems (office device)" "byte 0x01" "$I" admin problems --db o.db $C --token-file stray1.tok
refused "admin notice issue (server)" "0xE4" "$I" admin notice issue $C --token "令牌" \
  --site PS-1 --all-open --ref R-1 --deadline 2030-01-01
refused "admin findings (integration)" "byte 0xE4" "$I" admin findings $C --token "令牌"
refused "admin watch (integration)" "stray1.tok.*0x01" "$I" admin watch --until-head $C --token-file stray1.tok
refused "admin consumers, token over two lines" "control character" "$I" admin consumers $C --token-file stray.tok

# The token file as issued, and with CRLF and spaces around it, works.
Z=$("$I" tablet --db t.db zone add --name North)
S=$("$I" tablet --db t.db site add --name "No. 1 Primary" --zone "$Z")
F=$("$I" tablet --db t.db finding add --site "$S" --title "Fire door blocked")
"$I" tablet --db t.db $C --token-file office.tok sync | grep -q "applied 3" || fail "sync with the issued token file"
printf '  %s\r\n' "$GOOD" > crlf.tok
"$I" admin findings $C --token-file crlf.tok > findings.txt || fail "admin findings with a CRLF token file"
grep -q "$F" findings.txt || fail "the finding is not listed: $(cat findings.txt)"
echo "token walkthrough: ok"
