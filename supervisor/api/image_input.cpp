#include "supervisor/api/image_input.h"

#include <sodium.h>

#include <cstring>

namespace {

// The type an image's first bytes say it is, or null.
const char *sniff(const std::string &b) {
    if (b.size() >= 8 && memcmp(b.data(), "\x89PNG\r\n\x1a\n", 8) == 0) return "png";
    if (b.size() >= 3 && memcmp(b.data(), "\xff\xd8\xff", 3) == 0) return "jpeg";
    if (b.size() >= 6 && (memcmp(b.data(), "GIF87a", 6) == 0 || memcmp(b.data(), "GIF89a", 6) == 0)) return "gif";
    if (b.size() >= 12 && memcmp(b.data(), "RIFF", 4) == 0 && memcmp(b.data() + 8, "WEBP", 4) == 0) return "webp";
    return nullptr;
}

bool refuse(const std::string &param, const std::string &why, ApiError &err) {
    err = api_error_invalid("'" + param + "': " + why, param, "invalid_image");
    return false;
}

}  // namespace

bool image_from_url(const std::string &url, const std::string &param, ipc::ImageFile &out, ApiError &err) {
    if (url.compare(0, 5, "data:") != 0)
        return refuse(param, "only data URLs (data:image/png;base64,…) are supported; codex-proxy fetches no URLs.",
                      err);
    size_t comma = url.find(',');
    std::string meta = url.substr(5, comma == std::string::npos ? 0 : comma - 5);
    if (comma == std::string::npos || meta.size() < 7 || meta.compare(meta.size() - 7, 7, ";base64") != 0)
        return refuse(param, "the data URL must be base64-encoded.", err);
    const char *b64 = url.c_str() + comma + 1;
    size_t b64_len = url.size() - comma - 1;
    std::string bytes(b64_len / 4 * 3 + 3, '\0');
    size_t n = 0;
    if (sodium_base642bin(reinterpret_cast<unsigned char *>(&bytes[0]), bytes.size(), b64, b64_len, " \r\n", &n,
                          nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
        return refuse(param, "the data URL's base64 does not decode.", err);
    bytes.resize(n);
    const char *type = sniff(bytes);
    if (!type) return refuse(param, "the image is not PNG, JPEG, GIF or WebP.", err);
    out.extension = type;
    out.bytes = std::move(bytes);
    return true;
}
