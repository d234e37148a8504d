#include "executor/app_server_protocol.h"

#include <cstdint>
#include <cstring>

#include "common/json_doc.h"

namespace {

const cJSON *member(const cJSON *obj, const char *name) { return cJSON_GetObjectItemCaseSensitive(obj, name); }

std::string str_member(const cJSON *obj, const char *name) {
    const cJSON *v = member(obj, name);
    return cJSON_IsString(v) ? std::string(v->valuestring) : std::string();
}

// A count from 0 up to 2^53 (exact in a double); anything else is none.
uint64_t count_member(const cJSON *obj, const char *name) {
    const cJSON *v = member(obj, name);
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= 9007199254740992.0)) return 0;
    return static_cast<uint64_t>(v->valuedouble);
}

void add_string(cJSON *obj, const char *name, const std::string &value) {
    cJSON_AddItemToObject(obj, name, cJSON_CreateString(value.c_str()));
}

// The HTTP status of an object variant ({"httpConnectionFailed":{"httpStatusCode":502}}).
uint16_t http_status_of(const cJSON *variant) {
    uint64_t s = count_member(variant, "httpStatusCode");
    return s <= 999 ? static_cast<uint16_t>(s) : 0;
}

AppServerErrorKind kind_of_name(const char *name) {
    if (!strcmp(name, "usageLimitExceeded") || !strcmp(name, "rateLimitExceeded"))
        return AppServerErrorKind::UsageLimit;
    if (!strcmp(name, "contextWindowExceeded")) return AppServerErrorKind::ContextWindow;
    if (!strcmp(name, "unauthorized")) return AppServerErrorKind::Unauthorized;
    if (!strcmp(name, "serverOverloaded")) return AppServerErrorKind::Overloaded;
    if (!strcmp(name, "httpConnectionFailed") || !strcmp(name, "responseStreamConnectionFailed") ||
        !strcmp(name, "responseStreamDisconnected") || !strcmp(name, "responseTooManyFailedAttempts"))
        return AppServerErrorKind::ProviderHttp;
    return AppServerErrorKind::Other;
}

AppEvent item_completed(const cJSON *params, AppEvent ev) {
    const cJSON *item = member(params, "item");
    ev.item_type = str_member(item, "type");
    ev.item_id = str_member(item, "id");
    if (ev.item_type == "agentMessage") {
        ev.kind = AppEventKind::AgentMessageDone;
        ev.text = str_member(item, "text");
    } else {
        ev.kind = AppEventKind::ItemDone;
    }
    return ev;
}

// The latest reset among full windows: when the limit lets requests through again.
uint64_t full_window_reset(const cJSON *limits) {
    uint64_t resets = 0;
    for (const char *w : {"primary", "secondary"}) {
        const cJSON *win = member(limits, w);
        const cJSON *used = member(win, "usedPercent");
        if (cJSON_IsNumber(used) && used->valuedouble >= 100) {
            uint64_t at = count_member(win, "resetsAt");
            if (at > resets) resets = at;
        }
    }
    return resets;
}

// codex's snapshot ({limitId, limitName, primary, secondary}) flattened.
ipc::UsageWindowsMsg windows_of(const cJSON *limits) {
    ipc::UsageWindowsMsg m;
    for (const char *w : {"primary", "secondary"}) {
        const cJSON *win = member(limits, w);
        const cJSON *used = member(win, "usedPercent");
        if (!cJSON_IsNumber(used) || !(used->valuedouble >= 0 && used->valuedouble <= 1000)) continue;
        ipc::UsageWindow u;
        u.limit_id = str_member(limits, "limitId").substr(0, ipc::kMaxUsageWindowName);
        u.limit_name = str_member(limits, "limitName").substr(0, ipc::kMaxUsageWindowName);
        u.window = w;
        u.used_percent = used->valuedouble;
        uint64_t mins = count_member(win, "windowDurationMins");
        u.window_minutes = mins <= UINT32_MAX ? static_cast<uint32_t>(mins) : 0;
        u.resets_at = count_member(win, "resetsAt");
        m.windows.push_back(std::move(u));
    }
    return m;
}

}  // namespace

cJSON *app_server_initialize_params(const char *client_version) {
    cJSON *p = cJSON_CreateObject();
    cJSON *info = cJSON_AddObjectToObject(p, "clientInfo");
    cJSON_AddStringToObject(info, "name", "codex-proxy");
    cJSON_AddStringToObject(info, "version", client_version);
    // Notifications the backend never reads: fewer lines to parse per turn.
    cJSON *caps = cJSON_AddObjectToObject(p, "capabilities");
    const char *quiet[] = {"thread/started",
                           "thread/status/changed",
                           "item/started",
                           "remoteControl/status/changed",
                           "item/reasoning/textDelta",
                           "item/reasoning/summaryTextDelta",
                           "item/reasoning/summaryPartAdded"};
    cJSON_AddItemToObject(caps, "optOutNotificationMethods", cJSON_CreateStringArray(quiet, 7));
    return p;
}

cJSON *app_server_thread_start_params(const std::string &cwd, const std::string &model) {
    cJSON *p = cJSON_CreateObject();
    cJSON_AddBoolToObject(p, "ephemeral", true);
    add_string(p, "cwd", cwd);
    cJSON_AddStringToObject(p, "sandbox", "read-only");
    cJSON_AddStringToObject(p, "approvalPolicy", "never");
    if (!model.empty()) add_string(p, "model", model);
    return p;
}

cJSON *app_server_turn_start_params(const TurnInput &in, std::string &error) {
    cJSON *schema = nullptr;
    if (!in.output_schema.empty()) {
        schema = cJSON_ParseWithLength(in.output_schema.data(), in.output_schema.size());
        if (!cJSON_IsObject(schema)) {
            cJSON_Delete(schema);
            error = "the output schema is not a JSON object";
            return nullptr;
        }
    }
    cJSON *p = cJSON_CreateObject();
    add_string(p, "threadId", in.thread_id);
    cJSON *input = cJSON_AddArrayToObject(p, "input");
    // Images first, then the text, as `codex exec --image` sends them: the
    // prompt's [Image #N] labels count in that order.
    for (const auto &path : in.images) {
        cJSON *img = cJSON_CreateObject();
        cJSON_AddStringToObject(img, "type", "localImage");
        add_string(img, "path", path);
        cJSON_AddItemToArray(input, img);
    }
    cJSON *text = cJSON_CreateObject();
    cJSON_AddStringToObject(text, "type", "text");
    add_string(text, "text", in.prompt);
    cJSON_AddArrayToObject(text, "text_elements");
    cJSON_AddItemToArray(input, text);
    if (!in.cwd.empty()) add_string(p, "cwd", in.cwd);
    if (!in.model.empty()) add_string(p, "model", in.model);
    if (!in.effort.empty()) add_string(p, "effort", in.effort);
    if (schema) cJSON_AddItemToObject(p, "outputSchema", schema);
    return p;
}

cJSON *app_server_turn_interrupt_params(const std::string &thread_id, const std::string &turn_id) {
    cJSON *p = cJSON_CreateObject();
    add_string(p, "threadId", thread_id);
    add_string(p, "turnId", turn_id);
    return p;
}

cJSON *app_server_thread_unsubscribe_params(const std::string &thread_id) {
    cJSON *p = cJSON_CreateObject();
    add_string(p, "threadId", thread_id);
    return p;
}

AppServerError app_server_error_parse(const cJSON *turn_error) {
    AppServerError e;
    if (!cJSON_IsObject(turn_error)) return e;
    e.kind = AppServerErrorKind::Other;
    e.message = str_member(turn_error, "message");
    const cJSON *info = member(turn_error, "codexErrorInfo");
    if (cJSON_IsString(info)) {
        e.kind = kind_of_name(info->valuestring);
    } else if (cJSON_IsObject(info) && info->child && info->child->string) {
        e.kind = kind_of_name(info->child->string);
        if (e.kind == AppServerErrorKind::ProviderHttp) e.http_status = http_status_of(info->child);
    }
    return e;
}

AppEvent app_server_event_parse(const RpcMessage &n) {
    AppEvent ev;
    const cJSON *params = n.body;
    if (!cJSON_IsObject(params)) return ev;
    ev.thread_id = str_member(params, "threadId");
    ev.turn_id = str_member(params, "turnId");
    const std::string &m = n.method;
    if (m == "item/agentMessage/delta") {
        ev.kind = AppEventKind::AgentDelta;
        ev.text = str_member(params, "delta");
        ev.item_id = str_member(params, "itemId");
    } else if (m == "item/completed") {
        return item_completed(params, std::move(ev));
    } else if (m == "turn/started" || m == "turn/completed") {
        const cJSON *turn = member(params, "turn");
        ev.turn_id = str_member(turn, "id");
        ev.kind = m == "turn/started" ? AppEventKind::TurnStarted : AppEventKind::TurnCompleted;
        ev.status = str_member(turn, "status");
        ev.error = app_server_error_parse(member(turn, "error"));
    } else if (m == "thread/tokenUsage/updated") {
        ev.kind = AppEventKind::TokenUsage;
        const cJSON *total = member(member(params, "tokenUsage"), "total");
        ev.usage.input_tokens = count_member(total, "inputTokens");
        ev.usage.cached_input_tokens = count_member(total, "cachedInputTokens");
        ev.usage.output_tokens = count_member(total, "outputTokens");
        ev.usage.reasoning_tokens = count_member(total, "reasoningOutputTokens");
    } else if (m == "error") {
        ev.kind = AppEventKind::Error;
        ev.will_retry = cJSON_IsTrue(member(params, "willRetry"));
        ev.error = app_server_error_parse(member(params, "error"));
    } else if (m == "account/rateLimits/updated") {
        ev = app_server_rate_limits_parse(params);
    }
    return ev;
}

// The read's result and the notification's params both carry the snapshot
// in `rateLimits`.
AppEvent app_server_rate_limits_parse(const cJSON *result) {
    AppEvent ev;
    ev.kind = AppEventKind::RateLimits;
    ev.rate_limit_resets_at = full_window_reset(member(result, "rateLimits"));
    ev.windows = windows_of(member(result, "rateLimits"));
    return ev;
}

// codex's own retries are not waited for: a usage limit, a refused login or
// an over-long conversation fail the same way on every retry.
void app_server_error_to_done(const AppServerError &e, uint64_t resets_at, uint64_t now_unix, ipc::DoneMsg &done) {
    done.detail = "codex app-server: " + e.message;
    switch (e.kind) {
    case AppServerErrorKind::UsageLimit:
        done.outcome = ipc::Outcome::RateLimited;
        if (resets_at > now_unix && resets_at - now_unix < 7u * 24 * 3600)
            done.retry_after_s = static_cast<uint32_t>(resets_at - now_unix);
        break;
    case AppServerErrorKind::Unauthorized: done.outcome = ipc::Outcome::Unauthorized; break;
    case AppServerErrorKind::ContextWindow: done.outcome = ipc::Outcome::ContextWindowExceeded; break;
    case AppServerErrorKind::ProviderHttp:
        // A 401 from the provider is a refused login, a 429 a rate limit.
        done.outcome = e.http_status == 401   ? ipc::Outcome::Unauthorized
                       : e.http_status == 429 ? ipc::Outcome::RateLimited
                                              : ipc::Outcome::ProviderFailed;
        done.provider_status = e.http_status;
        break;
    default: done.outcome = ipc::Outcome::ModelFailed; break;
    }
}
