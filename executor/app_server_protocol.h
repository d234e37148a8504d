// The part of `codex app-server`'s protocol (codex 0.169, v2) the backend
// speaks: builders of its requests and a parser of its notifications into
// what the backend acts on. Pure, so every message shape is unit-tested.
#pragma once
#include <cjson/cJSON.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/ipc_messages.h"
#include "executor/json_rpc_client.h"

// JSON-RPC error the app-server answers when its ingress queue is full.
constexpr int kAppServerOverloaded = -32001;

cJSON *app_server_initialize_params(const char *client_version);
// A fresh ephemeral thread: read-only sandbox, never an approval prompt.
cJSON *app_server_thread_start_params(const std::string &cwd, const std::string &model);
struct TurnInput {
    std::string thread_id, cwd, model, effort, prompt;
    std::string output_schema;        // JSON text, or empty
    std::vector<std::string> images;  // local paths, in conversation order
};
// Null when output_schema is not a JSON object (error set).
cJSON *app_server_turn_start_params(const TurnInput &in, std::string &error);
cJSON *app_server_turn_interrupt_params(const std::string &thread_id, const std::string &turn_id);
cJSON *app_server_thread_unsubscribe_params(const std::string &thread_id);

// What codex's `codexErrorInfo` says went wrong, as far as the proxy cares.
enum class AppServerErrorKind {
    None,
    UsageLimit,     // usageLimitExceeded, rateLimitExceeded
    ContextWindow,  // contextWindowExceeded
    Unauthorized,   // unauthorized
    ProviderHttp,   // httpConnectionFailed / responseStream* / responseTooManyFailedAttempts
    Overloaded,     // serverOverloaded
    Other,
};
struct AppServerError {
    AppServerErrorKind kind = AppServerErrorKind::None;
    uint16_t http_status = 0;  // ProviderHttp, when codex knew it
    std::string message;
};
AppServerError app_server_error_parse(const cJSON *turn_error);  // a TurnError object

enum class AppEventKind {
    TurnStarted,       // turn_id
    AgentDelta,        // text, item_id
    AgentMessageDone,  // text, item_id
    ItemDone,          // another item type completed (item_type): logged, never answer text
    TokenUsage,        // usage (the thread's total: one thread per job)
    TurnCompleted,     // status, error
    Error,             // will_retry, error
    RateLimits,        // account/rateLimits/updated or /read: windows; rate_limit_resets_at when one is full
    Other,
};
struct AppEvent {
    AppEventKind kind = AppEventKind::Other;
    std::string thread_id, turn_id, item_id, item_type, text, status;
    bool will_retry = false;
    AppServerError error;
    ipc::UsageMsg usage;
    uint64_t rate_limit_resets_at = 0;  // unix seconds
    ipc::UsageWindowsMsg windows;       // RateLimits: the account's usage windows
};
AppEvent app_server_event_parse(const RpcMessage &notification);
// The result of account/rateLimits/read, as a RateLimits event.
AppEvent app_server_rate_limits_parse(const cJSON *result);

// Where a failure the app-server reported ends up in the Done message.
void app_server_error_to_done(const AppServerError &e, uint64_t resets_at, uint64_t now_unix, ipc::DoneMsg &done);
