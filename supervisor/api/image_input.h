// Images in a conversation (chat `image_url` parts, responses `input_image`
// parts) become files codex attaches to its prompt (--image). Only data
// URLs are taken: codex runs without network, and the proxy fetches
// nothing on a client's behalf. Types: PNG, JPEG, GIF, WebP, checked by
// their magic bytes, not only by the declared media type.
#pragma once
#include <string>
#include <vector>

#include "common/ipc_messages.h"
#include "supervisor/base/openai_error.h"

// Decodes url (data:image/…;base64,…) into out; err names param when it cannot.
bool image_from_url(const std::string &url, const std::string &param, ipc::ImageFile &out, ApiError &err);
