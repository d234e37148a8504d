// Validation shared by the completion endpoints.
#pragma once
#include <cjson/cJSON.h>

#include <string>
#include <vector>

#include "common/ipc_messages.h"

#include "supervisor/base/openai_error.h"
#include "supervisor/codex/prompt.h"
#include "supervisor/answer/answer_spec.h"
#include "supervisor/codex/model_names.h"

// What every completion request says besides its conversation.
struct CompletionOptions {
    std::string model;        // the client's name, echoed back
    std::string codex_model;  // what it runs (model_names.h)
    bool stream = false;
    std::string reasoning_effort;
    AnswerSpec spec;
    std::vector<ipc::ImageFile> images;
};

// The body must be a JSON object whose strings are all valid UTF-8 without
// NUL (see json_text.h); err says why not.
bool parse_body_object(const std::string &body, cJSON *&root, ApiError &err);
// "model": a non-empty string (a 400), which names a model codex may run
// (a 404 model_not_found). Read first, so that an unknown model is the 404
// whatever else is wrong with the request, and no conversation is read or
// rendered for it.
bool parse_model(const cJSON *root, const ModelNames &names, CompletionOptions &out, ApiError &err);
// "stream": absent, null or a boolean.
bool parse_stream(const cJSON *root, bool &stream, ApiError &err);
// Text of a content value: a string, or an array of text parts whose types
// are in allowed_types (a null-terminated array, like {"text", nullptr}).
// param names the field.
// With images, image parts (image_url, input_image) are taken too: each is
// decoded into images and stands in the text as "[Image #N]", the label
// codex gives the N-th attached image.
bool content_text(const cJSON *content, const char *const *allowed_types, const std::string &param, std::string &out,
                  ApiError &err, std::vector<ipc::ImageFile> *images = nullptr);
// A reasoning effort: absent or null, or one of none, minimal, low, medium,
// high, xhigh. param names where it was (reasoning_effort, reasoning.effort).
bool parse_reasoning_effort(const cJSON *value, const char *param, std::string &out, ApiError &err);
// The prompt fits codex's input limit.
bool check_prompt_size(const std::string &prompt, const char *param, ApiError &err);
// Counted while a conversation is put together (stored turns and items
// resolved): the characters of its turns, a lower bound of the rendered
// prompt's, so a request whose text is already over codex's limit fails
// as soon as it is, before the rest is read. false (err set) once over.
class PromptBudget {
public:
    bool add(const Turn &t, const char *param, ApiError &err);
    bool add(std::string_view text, const char *param, ApiError &err);

private:
    size_t chars_ = 0;
};
// Codex refuses a prompt of nothing but whitespace (exit 1): the rendered
// prompt has some other character, or err names param.
bool check_prompt_not_blank(const std::string &prompt, const char *param, ApiError &err);
