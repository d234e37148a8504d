// Reads codex's final message as the answer the request asked for, and
// checks it: JSON that parses, satisfies the client's schema, tool calls
// that name an offered tool with arguments satisfying its schema. What
// fails is described in `problem`, which is told to the model on the one
// retry (and logged), never sent to the client.
#pragma once
#include <string>

#include "supervisor/answer/answer.h"
#include "supervisor/answer/answer_spec.h"

bool answer_parse(const AnswerSpec &spec, AnswerShape shape, const std::string &message, Answer &out,
                  std::string &problem);

// The text with one surrounding Markdown code fence (```json … ```) and
// outer whitespace removed: models add them even when told not to.
std::string strip_code_fence(const std::string &text);
