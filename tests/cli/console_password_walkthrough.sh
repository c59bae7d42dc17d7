#!/bin/sh
# Issue 18, console passwords, through the real `inspectsync` binary against
# a running server's database: `admin user set-password` from stdin (not a
# terminal) and from --password-file, refusing a short password, an unknown
# person and a missing database with nothing changed; ending the person's
# console sessions; `admin user passwords` listing people by name (Chinese
# names aligned), from a terminal without echo, marking the deactivated and the roles the console refuses.
# The password never appears in any output.
# Usage: console_password_walkthrough.sh PATH/TO/inspectsync
set -eu
I="$1"
. "$(dirname "$0")/lib.sh"
start_server

"$I" admin token issue --user u-office --role office --device office-pc --keys keys --db s.db > office.tok
S="--server $ADDR --ca certs/ca.pem --token-file office.tok"
printf 'code,name,role\nwang,王芳,office\nzhao,赵主任,zone_director\nli,李娜,inspector\n' > users.csv
"$I" admin import users users.csv $S > users.out || fail "users import"
WANG=$(awk '$1 == "wang" { print $2 }' users.out)
[ -n "$WANG" ] || fail "no id for wang: $(cat users.out)"
PW='an office password 安全'

# refused NAME RC WANT COMMAND...: exits RC and says WANT on stderr.
refused() {
  name=$1 want_rc=$2 want=$3
  shift 3
  rc=0
  "$@" > out.txt 2> err.txt || rc=$?
  [ "$rc" -eq "$want_rc" ] || fail "$name: exit $rc, want $want_rc: $(cat err.txt)"
  grep -q "$want" err.txt || fail "$name: no '$want' in: $(cat err.txt)"
}

"$I" admin user passwords --db s.db > list.txt
grep -q "nobody has a console password yet" list.txt || fail "an empty list: $(cat list.txt)"

# Bad input: nothing changes.
printf 'short\n' > short.txt
refused "a short password" 1 "at least 10 characters; this one has 5; nothing changed" \
  "$I" admin user set-password --user wang --db s.db --password-file short.txt
printf '%s\n' "$PW" > pw.txt
refused "an unknown person" 1 "no user 'nobody'.*nothing changed" \
  "$I" admin user set-password --user nobody --db s.db --password-file pw.txt
refused "no --user" 2 "needs --user" "$I" admin user set-password --db s.db --password-file pw.txt
refused "no database" 1 "no server database at missing.db" \
  "$I" admin user set-password --user wang --db missing.db --password-file pw.txt
[ ! -e missing.db ] || fail "set-password created a database"
refused "no password file" 1 "cannot read --password-file nope.txt" \
  "$I" admin user set-password --user wang --db s.db --password-file nope.txt
refused "empty stdin" 1 "no password on standard input" \
  "$I" admin user set-password --user wang --db s.db < /dev/null
"$I" admin user passwords --db s.db | grep -q "nobody has a console password yet" || fail "a refused change wrote something"

# From stdin (not a terminal), by code, while the server runs on that file.
printf '%s\n' "$PW" | "$I" admin user set-password --user wang --db s.db > set.txt 2> set.err ||
  fail "set-password from stdin: $(cat set.err)"
grep -q "console password set for 王芳; they had no console session open" set.txt || fail "set.txt: $(cat set.txt)"
# From a file with CRLF, by name; a person the console refuses gets a note.
printf '%s\r\n' "$PW" > crlf.txt
"$I" admin user set-password --user 李娜 --db s.db --password-file crlf.txt > li.txt || fail "set-password by name"
grep -q "console password set for 李娜" li.txt || fail "li.txt: $(cat li.txt)"
grep -q "note: 李娜 is an inspector; inspectors may not sign in" li.txt || fail "no note for an inspector: $(cat li.txt)"

# From a terminal (a pty): asked twice, nothing echoed; two different answers change nothing.
cat > answer_pty.py <<'PY'
import os, pty, signal, sys
signal.alarm(60)  # a prompt that never comes fails the test instead of hanging it
argv, answers = sys.argv[1:-2], sys.argv[-2:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
out = b""
seen = 0  # what the last wait consumed
def read_until(token):
    global out, seen
    while token not in out[seen:]:
        try:
            chunk = os.read(fd, 1024)
        except OSError:  # the child closed the terminal
            return
        if not chunk:
            return
        out += chunk
    seen = out.index(token, seen) + len(token)
for a in answers:
    read_until(b": ")
    out = out[:seen] + b"|" + out[seen:]  # where the answer went
    seen += 1
    os.write(fd, a.encode() + b"\n")
read_until(b"@never@")
status = os.waitpid(pid, 0)[1]
sys.stdout.write(out.decode("utf-8", "replace"))
sys.exit(os.waitstatus_to_exitcode(status))
PY
python3 answer_pty.py "$I" admin user set-password --user zhao --db s.db "$PW" "$PW" > tty.out 2>&1 ||
  fail "set-password on a terminal: $(cat tty.out)"
grep -q "new console password for 赵主任: |" tty.out && grep -q "again: |" tty.out || fail "the prompts: $(cat tty.out)"
grep -q "console password set for 赵主任" tty.out || fail "tty.out: $(cat tty.out)"
rc=0; python3 answer_pty.py "$I" admin user set-password --user zhao --db s.db "$PW 1" "$PW 2" > differ.out 2>&1 || rc=$?
[ $rc -eq 1 ] && grep -q "the two passwords differ; nothing changed" differ.out || fail "differing answers ($rc): $(cat differ.out)"
[ "$(sqlite3 s.db "SELECT COUNT(*) FROM console_passwords WHERE generation = 1")" = 3 ] || fail "differing answers changed a password"

# Changing it ends the person's sessions (one made as the console would).
sqlite3 s.db "INSERT INTO console_sessions VALUES('$(printf 'x' | sha256sum | cut -c1-64)', '$WANG', 3, 'csrf', 0, 0, 1)"
printf '%s\n' "$PW 2" | "$I" admin user set-password --user wang --db s.db > again.txt || fail "second set-password"
grep -q "1 console session of theirs ended" again.txt || fail "again.txt: $(cat again.txt)"
[ "$(sqlite3 s.db 'SELECT COUNT(*) FROM console_sessions')" = 0 ] || fail "the session was not ended"
[ "$(sqlite3 s.db "SELECT generation FROM console_passwords WHERE user_id = '$WANG'")" = 2 ] ||
  fail "the first password's generation did not move: $(sqlite3 s.db 'SELECT * FROM console_passwords')"

# The list: by name, aligned, deactivation shown.
"$I" admin user deactivate wang $S > /dev/null 2>&1 || fail "user deactivate"
"$I" admin user passwords --db s.db > list.txt
[ "$(wc -l < list.txt)" -eq 3 ] || fail "three people have passwords: $(cat list.txt)"
grep -q "^赵主任  zone director  password set 20[0-9-]*  0 sessions$" list.txt || fail "zhao's line: $(cat list.txt)"
grep -q "^李娜    inspector .*password set 20[0-9-]*  0 sessions  (the console refuses this role)$" list.txt ||
  fail "li's line: $(cat list.txt)"
grep -q "^王芳    office .*0 sessions  (deactivated)$" list.txt || fail "wang's line: $(cat list.txt)"
"$I" admin user passwords --db s.db --json > list.json
grep -q "^{\"user_id\":\"$WANG\",\"name\":\"王芳\",\"role\":\"OFFICE\",\"active\":false,\"may_sign_in\":false,\"password_set_ms\":[0-9]*,\"sessions\":0}$" list.json ||
  fail "--json: $(cat list.json)"
if grep -q -- "-[0-9a-f]\{4\}-" list.txt; then fail "the list shows ids: $(cat list.txt)"; fi

# The password is in no output, and not in the database.
for f in *.txt *.err *.out server.log; do
  case $f in pw.txt|crlf.txt|short.txt) continue ;; esac
  if grep -q "an office password" "$f"; then fail "the password was echoed in $f"; fi
done
if sqlite3 s.db "SELECT hash FROM console_passwords" | grep -q "an office password"; then fail "the password is stored"; fi
echo "console password walkthrough: ok"
