// Every string of a client's JSON is text codex can take: valid UTF-8
// with no NUL.
//
// cJSON keeps invalid UTF-8 bytes as they come (codex then exits, and the
// client would get a 502), and a \u0000 escape ends its NUL-terminated
// strings early, so "gpt\u0000-5.5" would silently run model "gpt". Both
// are the client's error, refused before any codex run with a 400 naming
// the field. Lone UTF-16 surrogates (\ud800) never get this far: cJSON
// refuses them as invalid JSON.
#pragma once
#include <cjson/cJSON.h>

#include <string>

#include "supervisor/base/openai_error.h"

// Parses body with cJSON, first turning every NUL inside a string (the
// \u0000 escape or a raw zero byte) into the bytes C0 80, which no valid
// UTF-8 holds, so that json_text_check can find and name it.
cJSON *json_parse_marking_nul(const std::string &body);
// Walks every key and string value (any shape, linear time); on the first
// bad one, err is a 400 invalid_value naming its place, e.g.
// messages[2].content.
bool json_text_check(const cJSON *root, ApiError &err);
