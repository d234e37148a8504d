#!/bin/bash
# A codex stand-in for tests/e2e/faults.test.js: it answers as `codex exec
# --json` does, or fails in the way named by the file `mode` beside it
# (read at every run, so a test picks the fault of each request). Every
# process it leaves running carries the name of its folder in its argv, the
# marker by which the test finds what is left behind.
here=$(dirname "$0")
mode=$(cat "$here/mode")
marker=$(basename "$here")
cat >/dev/null  # the prompt, read to EOF as codex does

event() { printf '%s\n' "$1"; }
begin() {
  event '{"type":"thread.started","thread_id":"0199a213-81c0-7800-8aa1-bbab2a035a53"}'
  event '{"type":"turn.started"}'
}
message() { event "{\"type\":\"item.completed\",\"item\":{\"id\":\"item_0\",\"type\":\"agent_message\",\"text\":\"$1\"}}"; }
complete() { event '{"type":"turn.completed","usage":{"input_tokens":5,"cached_input_tokens":0,"output_tokens":2,"reasoning_output_tokens":0}}'; }
# An agent message of $1 bytes of the letter $2, streamed: no shell
# variable holds it.
big_message() {
  printf '{"type":"item.completed","item":{"id":"item_0","type":"agent_message","text":"'
  head -c "$1" /dev/zero | tr '\0' "$2"
  printf '"}}\n'
}
# Runs until killed; argv names the marker.
forever() { exec bash -c 'while :; do sleep 0.05; done' "$marker-$1"; }

case "$mode" in
answer)  # a normal answer
  begin; message "$(cat "$here/answer")"; complete ;;
crash)  # dies of a signal mid-answer
  begin
  event '{"type":"item.started","item":{"id":"item_0","type":"reasoning","text":""}}'
  kill -SEGV $$ ;;
garbage)  # random bytes and broken UTF-8 where events should be
  begin
  head -c 65536 /dev/urandom
  printf '\n\xff\xfe\x80{"type":"item.completed"\xc3\x28}\n\xed\xa0\x80\n' ;;
invalid_utf8)  # a well-formed answer whose text is not UTF-8
  begin
  printf '{"type":"item.completed","item":{"id":"item_0","type":"agent_message","text":"bad \xff\xfe \xc3\x28 \xed\xa0\x80 end"}}\n'
  complete ;;
huge_output)  # 50 MiB of answer text, in 1 MiB messages
  begin
  for _ in $(seq 50); do big_message 1048576 x; done
  exit 1 ;;
long_line)  # one event line of 10 MiB, then a completed turn
  begin
  big_message 10485760 y
  complete ;;
never_exits)  # starts, then neither answers nor exits
  begin; forever hang ;;
ignores_sigterm)
  trap '' TERM
  begin
  while :; do sleep 0.05; done ;;
setsid_grandchild)  # answers, but leaves a grandchild in a session of its own holding stdout
  # It says it is up, on that stdout, as an event the executor logs.
  setsid bash -c 'trap "" TERM; echo "{\"type\":\"error\",\"message\":\"grandchild up\"}"; while :; do sleep 0.05; done' "$marker-grandchild" &
  sleep 0.5
  begin; message "$(cat "$here/answer")"; complete ;;
closes_stdout)  # closes stdout and stays
  begin
  exec >&-
  forever closed ;;
*)
  echo "faulty_codex: unknown mode '$mode'" >&2; exit 2 ;;
esac
