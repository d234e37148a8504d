// What a failed `codex exec` turn's message says about the provider: a usage
// limit, a refused login, a context window overflow, an HTTP failure.
//
// `codex exec --json` gives only codex's human message (turn.failed
// error.message), not app-server's structured codexErrorInfo, so this
// reads the messages codex 0.169 prints (codex-rs core/src/error.rs,
// checked by driving the pinned codex against tests/e2e's scripted
// provider). A message it does not know stays ModelFailed.
#pragma once
#include <cstdint>
#include <ctime>
#include <string_view>

#include "common/ipc_messages.h"

struct CodexFailure {
    ipc::Outcome outcome = ipc::Outcome::ModelFailed;
    uint32_t retry_after_s = 0;    // RateLimited: from "try again at <time>"; 0: unknown
    uint16_t provider_status = 0;  // from "unexpected status NNN" and the like; 0: unknown
};

// now: the current time; the reset time codex prints is local time, read
// with the same time zone rules codex used (the executor's environment).
CodexFailure codex_failure_classify(std::string_view message, time_t now);
