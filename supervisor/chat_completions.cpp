#include "supervisor/chat_completions.h"

#include <cjson/cJSON.h>

#include <cstring>
#include <ctime>

#include "supervisor/completion_exchange.h"
#include "supervisor/json_util.h"
#include "supervisor/request_common.h"
#include "supervisor/request_id.h"
#include "supervisor/sse.h"

namespace {

const char *const kRoles[] = {"system", "developer", "user", "assistant", "tool"};
const char *const kTextParts[] = {"text", nullptr};

bool parse_message(const cJSON *m, int i, Turn &t, ApiError &err) {
    std::string at = "messages[" + std::to_string(i) + "]";
    const cJSON *role = json_get(m, "role");
    bool known = false;
    for (const char *r : kRoles) known |= cJSON_IsString(role) && strcmp(role->valuestring, r) == 0;
    if (!known) {
        err = api_error_invalid("'" + at + ".role' must be one of system, developer, user, assistant, tool.",
                                at + ".role", "invalid_value");
        return false;
    }
    t.role = role->valuestring;
    const cJSON *content = json_get(m, "content");
    const cJSON *calls = json_get(m, "tool_calls");
    if (t.role == "assistant" && cJSON_IsArray(calls)) {
        char *s = cJSON_PrintUnformatted(calls);
        t.tool_calls_json = s ? s : "";
        free(s);
    }
    bool may_be_empty = !t.tool_calls_json.empty();
    if ((!content || cJSON_IsNull(content)) && may_be_empty) {
        // an assistant turn that only called tools
    } else if (!content_text(content, kTextParts, at + ".content", t.content, err)) {
        return false;
    }
    const cJSON *name = json_get(m, "name");
    if (cJSON_IsString(name)) t.name = name->valuestring;
    const cJSON *tcid = json_get(m, "tool_call_id");
    if (cJSON_IsString(tcid)) t.tool_call_id = tcid->valuestring;
    return true;
}

bool parse_messages(const cJSON *root, std::vector<Turn> &turns, ApiError &err) {
    const cJSON *msgs = json_get(root, "messages");
    if (!cJSON_IsArray(msgs) || !msgs->child) {
        err = api_error_invalid("'messages' must be a non-empty array.", "messages", "invalid_value");
        return false;
    }
    int i = 0;
    for (const cJSON *m = msgs->child; m; m = m->next, i++) {
        if (!cJSON_IsObject(m)) {
            err = api_error_invalid("'messages[" + std::to_string(i) + "]' must be an object.",
                                    "messages[" + std::to_string(i) + "]", "invalid_type");
            return false;
        }
        Turn t;
        if (!parse_message(m, i, t, err)) return false;
        turns.push_back(std::move(t));
    }
    return true;
}

bool parse_options(const cJSON *root, ChatRequest &out, ApiError &err) {
    const cJSON *n = json_get(root, "n");
    if (n && !cJSON_IsNull(n) && !(cJSON_IsNumber(n) && n->valuedouble == 1)) {
        err = api_error_invalid("Only n=1 is supported.", "n", "unsupported_value");
        return false;
    }
    const cJSON *so = json_get(root, "stream_options");
    out.include_usage = cJSON_IsTrue(json_get(so, "include_usage"));
    return parse_reasoning_effort(json_get(root, "reasoning_effort"), "reasoning_effort", out.reasoning_effort, err);
}

class ChatFormat final : public AnswerFormat {
public:
    ChatFormat(std::string model, bool include_usage)
        : id_(random_id("chatcmpl-")), created_(static_cast<double>(time(nullptr))), model_(std::move(model)),
          include_usage_(include_usage) {}

    std::string stream_open() override {
        cJSON *delta = cJSON_CreateObject();
        cJSON_AddStringToObject(delta, "role", "assistant");
        cJSON_AddStringToObject(delta, "content", "");
        return chunk(delta, nullptr);
    }
    std::string stream_text(std::string_view t) override {
        cJSON *delta = cJSON_CreateObject();
        cJSON_AddStringToObject(delta, "content", std::string(t).c_str());
        return chunk(delta, nullptr);
    }
    std::string stream_close(const ipc::UsageMsg &u) override {
        std::string out = chunk(cJSON_CreateObject(), "stop");
        if (include_usage_) {
            cJSON *o = base("chat.completion.chunk");
            cJSON_AddItemToObject(o, "choices", cJSON_CreateArray());
            cJSON_AddItemToObject(o, "usage", usage(u));
            out += sse_event("", json_take(o));
        }
        return out + sse_event("", "[DONE]");
    }
    std::string stream_fail(const ApiError &e) override { return sse_event("", api_error_json(e)); }
    std::string whole(const std::string &text, const ipc::UsageMsg &u) override {
        cJSON *o = base("chat.completion");
        cJSON *choice = cJSON_CreateObject();
        cJSON_AddNumberToObject(choice, "index", 0);
        cJSON *msg = cJSON_AddObjectToObject(choice, "message");
        cJSON_AddStringToObject(msg, "role", "assistant");
        cJSON_AddStringToObject(msg, "content", text.c_str());
        cJSON_AddNullToObject(msg, "refusal");
        cJSON_AddItemToObject(msg, "annotations", cJSON_CreateArray());
        cJSON_AddNullToObject(choice, "logprobs");
        cJSON_AddStringToObject(choice, "finish_reason", "stop");
        cJSON *choices = cJSON_AddArrayToObject(o, "choices");
        cJSON_AddItemToArray(choices, choice);
        cJSON_AddItemToObject(o, "usage", usage(u));
        return json_take(o);
    }

private:
    cJSON *base(const char *object) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", id_.c_str());
        cJSON_AddStringToObject(o, "object", object);
        cJSON_AddNumberToObject(o, "created", created_);
        cJSON_AddStringToObject(o, "model", model_.c_str());
        cJSON_AddNullToObject(o, "system_fingerprint");
        return o;
    }
    std::string chunk(cJSON *delta, const char *finish_reason) {
        cJSON *o = base("chat.completion.chunk");
        cJSON *choice = cJSON_CreateObject();
        cJSON_AddNumberToObject(choice, "index", 0);
        cJSON_AddItemToObject(choice, "delta", delta);
        cJSON_AddNullToObject(choice, "logprobs");
        if (finish_reason) cJSON_AddStringToObject(choice, "finish_reason", finish_reason);
        else cJSON_AddNullToObject(choice, "finish_reason");
        cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "choices"), choice);
        if (include_usage_) cJSON_AddNullToObject(o, "usage");  // as OpenAI does on every other chunk
        return sse_event("", json_take(o));
    }
    static cJSON *usage(const ipc::UsageMsg &u) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "prompt_tokens", static_cast<double>(u.input_tokens));
        cJSON_AddNumberToObject(o, "completion_tokens", static_cast<double>(u.output_tokens));
        cJSON_AddNumberToObject(o, "total_tokens", static_cast<double>(u.input_tokens + u.output_tokens));
        cJSON_AddNumberToObject(cJSON_AddObjectToObject(o, "prompt_tokens_details"), "cached_tokens",
                                static_cast<double>(u.cached_input_tokens));
        cJSON_AddNumberToObject(cJSON_AddObjectToObject(o, "completion_tokens_details"), "reasoning_tokens",
                                static_cast<double>(u.reasoning_tokens));
        return o;
    }

    std::string id_;
    double created_;
    std::string model_;
    bool include_usage_;
};

}  // namespace

bool chat_request_parse(const std::string &body, ChatRequest &out, ApiError &err) {
    cJSON *root = nullptr;
    if (!parse_body_object(body, root, err)) return false;
    bool ok = parse_model(root, out.model, err) && parse_stream(root, out.stream, err) &&
              parse_options(root, out, err) && parse_messages(root, out.turns, err);
    cJSON_Delete(root);
    return ok;
}

void handle_chat_completions(HttpConnection &c) {
    ChatRequest req;
    ApiError err;
    if (!chat_request_parse(c.request().body, req, err)) {
        c.respond_error(err);
        return;
    }
    CompletionRequest cr;
    cr.turns = std::move(req.turns);
    cr.turns_param = "messages";
    cr.client_model = req.model;
    cr.reasoning_effort = req.reasoning_effort;
    cr.stream = req.stream;
    completion_start(c, std::move(cr), std::make_unique<ChatFormat>(req.model, req.include_usage));
}
