#include "supervisor/api/health.h"

#include <cjson/cJSON.h>

#include <string>

#include "supervisor/api/router.h"
#include "supervisor/codex/codex_login.h"
#include "supervisor/base/json_util.h"
#include "supervisor/jobs/scheduler.h"

namespace {

// /healthz may be polled hard (load balancers, monitors); a login comes or
// goes rarely, so it is looked for at most this often.
constexpr uint64_t kLoginCheckMs = 1000;

bool login_present(ApiContext &api) {
    uint64_t now = uv_now(api.loop);
    if (!api.login.checked || now - api.login.checked_ms >= kLoginCheckMs) {
        api.login.found = codex_login_present(api.private_home.dir) || codex_login_present(api.codex_home);
        api.login.checked = true;
        api.login.checked_ms = now;
    }
    return api.login.found;
}

// Counts as raw JSON: cJSON prints every number as a double and reads it
// back to check, which was the costliest part of answering /healthz.
void add_count(cJSON *o, const char *name, uint64_t n) { cJSON_AddRawToObject(o, name, std::to_string(n).c_str()); }

}  // namespace

void handle_healthz(HttpConnection &c) {
    ApiContext &api = api_context(c);
    Scheduler::Counts n = api.scheduler.counts();
    bool login = login_present(api);
    const char *status = api.draining ? "draining" : (n.idle + n.busy > 0 ? "ok" : "degraded");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", status);
    cJSON_AddStringToObject(o, "version", CODEX_PROXY_VERSION);
    add_count(o, "uptime_ms", uv_now(api.loop) - api.started_ms);
    cJSON *ex = cJSON_AddObjectToObject(o, "executors");
    add_count(ex, "idle", static_cast<uint64_t>(n.idle));
    add_count(ex, "busy", static_cast<uint64_t>(n.busy));
    add_count(ex, "starting", static_cast<uint64_t>(n.starting));
    add_count(ex, "restarting", static_cast<uint64_t>(n.restarting));
    add_count(o, "queue_depth", n.queued);
    cJSON *cx = cJSON_AddObjectToObject(o, "codex");
    cJSON_AddBoolToObject(cx, "login_found", login);
    if (!login) cJSON_AddStringToObject(cx, "hint", codex_login_hint());
    c.respond(status[0] == 'o' ? 200 : 503, "application/json", json_take(o));
}
