#include "supervisor/codex/token_refresh_gate.h"

#include <sodium.h>

#include "common/small_file.h"

void TokenRefreshGate::reload(const struct stat &st) {
    mtime_ = st.st_mtim, ino_ = st.st_ino, size_ = st.st_size;
    std::string text;
    small_file_read(path_, text, 1u << 20, true);
    time_t before = last_refresh_;
    chatgpt_ = token_login_times(text, access_exp_, last_refresh_);
    if (refreshes_ && before && last_refresh_ > before) ++*refreshes_;
    sodium_memzero(text.data(), text.size());
}

bool TokenRefreshGate::refresh_due(time_t now) {
    struct stat st;
    if (stat(path_.c_str(), &st) != 0) return false;
    if (st.st_ino != ino_ || st.st_size != size_ || st.st_mtim.tv_sec != mtime_.tv_sec ||
        st.st_mtim.tv_nsec != mtime_.tv_nsec)
        reload(st);
    if (!chatgpt_) return false;
    return token_refresh_due(access_exp_, last_refresh_, now);
}
