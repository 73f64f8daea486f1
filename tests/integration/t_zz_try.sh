. "$(dirname "$0")/lib.sh"
need_root; need_fdclose; need_fixtures
fx_start t --mode threads --threads 8 --closewait 40
pid=$(fx_pid t)
set -- $(fx_field t closewait)
for r in 0 1 2 3; do
  fds="${@:$((r*10+1)):10}"
  "$FDCLOSE" --no-syslog $pid $fds >$IT_TMP/a.out 2>$IT_TMP/a.err & a=$!
  "$FDCLOSE" --no-syslog $pid $fds >$IT_TMP/b.out 2>$IT_TMP/b.err & b=$!
  wait $a; ra=$?; wait $b; rb=$?
  echo "round $r: $ra $rb closed a=$(grep -c ^closed $IT_TMP/a.out) b=$(grep -c ^closed $IT_TMP/b.out)"
  grep -v "free again" $IT_TMP/a.err | head -3; grep -v "free again" $IT_TMP/b.err | head -3; grep -v ^closed $IT_TMP/a.out $IT_TMP/b.out | head -3
done
