// Eats the text of an API key file (CODEX_PROXY_API_KEY_FILE, or systemd's
// credential), then checks an Authorization header made of the input
// against the keys it gave.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "supervisor/auth/api_key_sources.h"
#include "supervisor/auth/api_keys.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string text(reinterpret_cast<const char *>(data), size);
    ApiKeys keys;
    int count = 0;
    std::string error;
    if (!api_key_sources_parse(text, "fuzz", keys, count, error)) {
        if (error.empty()) abort();
        return 0;
    }
    if (count > 0 && !keys.enabled()) abort();
    keys.check_authorization(std::string_view(text).substr(0, 64));
    return 0;
}
